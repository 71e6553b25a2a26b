// AnalyzeOnnx: placeholder until the ONNX reader lands (issue 3).
#include "scan/analyzers.h"

namespace modelgate {

void AnalyzeOnnx(const Blob& blob, ScanContext& ctx) {
  ctx.Report("FORMAT-NOT-ANALYSED", Severity::kInfo, "Recognised as ONNX; not analysed by this version",
             blob.member, std::nullopt, "The format was identified, but its content was not checked.",
             {{"format", "ONNX"}});
}

}  // namespace modelgate
