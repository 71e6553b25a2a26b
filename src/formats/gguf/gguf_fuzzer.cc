// Fuzz target for the GGUF reader and analyzer: ReadGguf on arbitrary bytes,
// checks the reader's invariants (views inside the input, tensor data inside
// the input, data section after the infos), then runs AnalyzeGguf (which also
// runs the chat template analysis) against a scan context.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/gguf/gguf.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

namespace {

bool Inside(const void* p, std::size_t n, const uint8_t* data, size_t size) {
  auto* b = static_cast<const uint8_t*>(p);
  return n == 0 || (b >= data && b + n <= data + size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  ByteView bytes(data, size);
  Result<GgufFile> r = ReadGguf(bytes, limits);
  if (r.ok()) {
    const GgufFile& f = r.value();
    for (const GgufKv& kv : f.kvs) {
      for (std::string_view s : kv.strings) {
        if (!Inside(s.data(), s.size(), data, size)) std::abort();
      }
      if (!Inside(kv.raw.data(), kv.raw.size(), data, size)) std::abort();
    }
    if (f.header_complete) {
      if (f.data_offset < f.info_end || f.data_offset % f.alignment != 0) std::abort();
      for (std::size_t i = 0; i < f.tensors.size(); ++i) {
        ByteView t = GgufTensorData(f, i, bytes);
        if (!Inside(t.data(), t.size(), data, size)) std::abort();
      }
    }
    if (f.kvs.size() > limits.max_gguf_kv || f.tensors.size() > limits.max_gguf_tensors) std::abort();
  }
  ScanContext ctx("fuzz.gguf", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = bytes;
  AnalyzeGguf(blob, ctx);
  while (ctx.HasPending()) {
    Blob child = ctx.PopPending();
    if (!Inside(child.bytes.data(), child.bytes.size(), data, size)) std::abort();
  }
  (void)ctx.TakeFindings();
  return 0;
}
