// AnalyzeChatTemplate: placeholder until the Jinja analysis lands (issue 3).
#include "scan/analyzers.h"

namespace modelgate {

void AnalyzeChatTemplate(std::string_view, const Blob& at, const std::string& where, ScanContext& ctx) {
  ctx.Report("FORMAT-NOT-ANALYSED", Severity::kInfo, "Chat template not analysed by this version", at.member,
             std::nullopt, "The template in " + where + " was not checked.", {{"format", "jinja"}});
}

}  // namespace modelgate
