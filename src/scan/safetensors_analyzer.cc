// AnalyzeSafetensors: placeholder until the safetensors reader lands (issue 3).
#include "scan/analyzers.h"

namespace modelgate {

void AnalyzeSafetensors(const Blob& blob, ScanContext& ctx) {
  ctx.Report("FORMAT-NOT-ANALYSED", Severity::kInfo, "Recognised as safetensors; not analysed by this version",
             blob.member, std::nullopt, "The format was identified, but its content was not checked.",
             {{"format", "safetensors"}});
}

}  // namespace modelgate
