// Fuzz target for the whole scanner on one in-memory file: routing, every
// analyzer, nested members, and the report writers' inputs.
#include <cstddef>
#include <cstdint>

#include "modelgate/scan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modelgate;
  static const ScanOptions options = [] {
    ScanOptions o;
    o.limits = Limits::ForFuzzing();
    return o;
  }();
  FileReport r = ScanBytes(ByteView(data, size), "fuzz-input", options);
  for (const Finding& f : r.findings) {
    if (f.id.empty() || f.path != "fuzz-input") __builtin_trap();
  }
  return 0;
}
