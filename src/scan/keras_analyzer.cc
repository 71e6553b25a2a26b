// AnalyzeKerasConfig: placeholder until the Keras config reader lands (issue 3).
#include "scan/analyzers.h"

namespace modelgate {

void AnalyzeKerasConfig(const Blob& blob, ScanContext& ctx) {
  ctx.Report("FORMAT-NOT-ANALYSED", Severity::kInfo, "Recognised as Keras config; not analysed by this version",
             blob.member, std::nullopt, "The format was identified, but its content was not checked.",
             {{"format", "Keras config"}});
}

}  // namespace modelgate
