// AnalyzeTensorflow: placeholder until the TensorFlow reader lands (issue 3).
#include "scan/analyzers.h"

namespace modelgate {

void AnalyzeTensorflow(const Blob& blob, ScanContext& ctx) {
  ctx.Report("FORMAT-NOT-ANALYSED", Severity::kInfo, "Recognised as TensorFlow; not analysed by this version",
             blob.member, std::nullopt, "The format was identified, but its content was not checked.",
             {{"format", "TensorFlow"}});
}

}  // namespace modelgate
