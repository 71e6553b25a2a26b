// Fuzz target for the HDF5 reader and analyzer: ReadHdf5 on arbitrary bytes,
// checks the reader's own invariants, then runs AnalyzeHdf5 against a scan
// context (children are only queued, never analysed here).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/hdf5/hdf5.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  ByteView bytes(data, size);
  Result<Hdf5File> r = ReadHdf5(bytes, limits);
  if (r.ok()) {
    const Hdf5File& f = r.value();
    if (f.objects.size() > limits.max_hdf5_objects) std::abort();
    for (const Hdf5Object& o : f.objects) {
      if (o.depth > limits.max_hdf5_depth) std::abort();
      for (const Hdf5Attribute& a : o.attributes) {
        // Borrowed views must lie inside the input.
        if (!a.raw.empty() && (a.raw.data() < data || a.raw.data() + a.raw.size() > data + size)) std::abort();
        for (ByteView v : a.vlen_items) {
          if (!v.empty() && (v.data() < data || v.data() + v.size() > data + size)) std::abort();
        }
      }
      if (o.dataset && o.dataset->in_bounds &&
          (o.dataset->data_offset > size || o.dataset->data_size > size - o.dataset->data_offset)) {
        std::abort();
      }
    }
  }
  ScanContext ctx("fuzz.h5", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = bytes;
  AnalyzeHdf5(blob, ctx);
  while (ctx.HasPending()) {
    Blob child = ctx.PopPending();
    if (!child.owner && (child.bytes.data() < data || child.bytes.data() + child.bytes.size() > data + size)) {
      std::abort();
    }
  }
  (void)ctx.TakeFindings();
  return 0;
}
