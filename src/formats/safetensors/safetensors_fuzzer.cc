// Fuzz target for the safetensors reader and analyzer: ReadSafetensors on
// arbitrary bytes, checks the reader's invariants (tensor views inside the
// input, unowned regions inside the buffer), then runs AnalyzeSafetensors
// (children are only queued, never analysed here).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/safetensors/safetensors.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  ByteView bytes(data, size);
  Result<SafetensorsFile> r = ReadSafetensors(bytes, limits);
  if (r.ok()) {
    const SafetensorsFile& f = r.value();
    for (const SafetensorsTensor& t : f.tensors) {
      ByteView v = TensorBytes(f, t, bytes);
      if (!v.empty() && (v.data() < data || v.data() + v.size() > data + size)) std::abort();
      if (t.valid && (!t.expected_bytes || *t.expected_bytes != t.end - t.begin)) std::abort();
    }
    for (const SafetensorsRegion& u : f.unowned) {
      if (u.offset < f.data_offset || u.length == 0 || u.offset + u.length > size) std::abort();
    }
    if (f.tensors.size() > limits.max_safetensors_tensors) std::abort();
  }
  ScanContext ctx("fuzz.safetensors", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = bytes;
  AnalyzeSafetensors(blob, ctx);
  while (ctx.HasPending()) {
    Blob child = ctx.PopPending();
    if (child.bytes.data() < data || child.bytes.data() + child.bytes.size() > data + size) std::abort();
  }
  (void)ctx.TakeFindings();
  return 0;
}
