// Fuzz target for TensorFlow sniffing, the reader and the analyzer: arbitrary
// bytes go through SniffTensorflow and ReadTensorflow (whose invariants are
// checked), then AnalyzeTensorflow runs against a scan context. Queued
// children must lie inside the input or the buffer that owns them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/tensorflow/tensorflow.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  ByteView bytes(data, size);
  bool sniffed = SniffTensorflow(bytes).has_value();
  Result<TfFile> r = ReadTensorflow(bytes, limits);
  if (r.ok() != sniffed) std::abort();
  if (r.ok()) {
    const TfFile& f = r.value();
    if (f.nodes_walked > limits.max_tf_nodes || f.functions_walked > limits.max_tf_functions) std::abort();
    for (const TfKerasMetadata& k : f.keras_metadata) {
      if (k.json.data() < data || k.json.data() + k.json.size() > data + size) std::abort();
    }
    for (const TfGraph& g : f.graphs) {
      for (const TfNode& n : g.nodes) {
        if (n.inputs.size() > kMaxStoredInputs || n.input_count < n.inputs.size()) std::abort();
      }
    }
  }
  if (!sniffed) return 0;
  ScanContext ctx("fuzz.pb", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = bytes;
  AnalyzeTensorflow(blob, ctx);
  while (ctx.HasPending()) {
    Blob child = ctx.PopPending();
    // Keras JSON is borrowed from the input; a graph found inside a string is
    // a copy its owner holds.
    const std::uint8_t* lo = child.owner ? child.owner->data() : data;
    std::size_t n = child.owner ? child.owner->size() : size;
    if (child.bytes.data() < lo || child.bytes.data() + child.bytes.size() > lo + n) std::abort();
  }
  (void)ctx.TakeFindings();
  return 0;
}
