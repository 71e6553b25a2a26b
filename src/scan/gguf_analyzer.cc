// AnalyzeGguf: placeholder until the GGUF reader lands (issue 3).
#include "scan/analyzers.h"

namespace modelgate {

void AnalyzeGguf(const Blob& blob, ScanContext& ctx) {
  ctx.Report("FORMAT-NOT-ANALYSED", Severity::kInfo, "Recognised as GGUF; not analysed by this version",
             blob.member, std::nullopt, "The format was identified, but its content was not checked.",
             {{"format", "GGUF"}});
}

}  // namespace modelgate
