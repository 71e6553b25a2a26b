// Fuzz target for the .npy reader and analyzer: ReadNpy on arbitrary bytes,
// checks the reader's own invariants, then runs AnalyzeNpy against a scan
// context (children are only queued, never analysed here).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/npy/npy.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  ByteView bytes(data, size);
  Result<NpyFile> r = ReadNpy(bytes, limits);
  if (r.ok()) {
    const NpyFile& f = r.value();
    // Data accounting must match the input.
    if (f.data_offset <= size && f.data_bytes != size - f.data_offset) std::abort();
    if (f.expected_data_bytes && f.has_object) std::abort();
    if (f.header_state == NpyHeaderState::kOk && !f.element_count) std::abort();
  }
  ScanContext ctx("fuzz.npy", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = bytes;
  AnalyzeNpy(blob, ctx);
  while (ctx.HasPending()) {
    Blob child = ctx.PopPending();
    if (child.bytes.data() < data || child.bytes.data() + child.bytes.size() > data + size) std::abort();
  }
  (void)ctx.TakeFindings();
  return 0;
}
