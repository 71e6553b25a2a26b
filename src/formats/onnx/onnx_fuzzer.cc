// Fuzz target for the ONNX reader, analyzer and routing probe: ReadOnnx on
// arbitrary bytes (protobuf parse with the fuzzing limits, graph walk),
// checks the reader's invariants, then runs AnalyzeOnnx on the bytes as an
// archive member (no file-system access) and DetectContentType.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/onnx/onnx.h"
#include "formats/routing/content_type.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  ByteView bytes(data, size);
  (void)DetectContentType(bytes, Probe::kMember);
  Result<OnnxModel> r = ReadOnnx(bytes, limits);
  if (r.ok()) {
    const OnnxModel& m = r.value();
    if (m.nodes > limits.max_onnx_nodes) std::abort();
    if (!m.parsed && m.anomalies.empty()) std::abort();
    if (m.max_graph_depth > limits.max_onnx_graph_depth) std::abort();
  }
  ScanContext ctx("", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = bytes;
  blob.member = "fuzz.onnx";
  AnalyzeOnnx(blob, ctx);
  (void)ctx.TakeFindings();
  return 0;
}
