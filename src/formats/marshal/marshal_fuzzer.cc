// Fuzz target for the marshal decoder: arbitrary bytes as a marshalled code
// object; the summary must stay consistent with the limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/marshal/marshal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  Result<MarshalSummary> r = DecodeMarshalCode(ByteView(data, size), limits);
  if (r.ok()) {
    if (r->code_objects.empty()) std::abort();
    if (r->code_objects.size() > limits.max_marshal_values) std::abort();
  }
  return 0;
}
