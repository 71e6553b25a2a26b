// Repository analysis: placeholder until the model-repository checks land (issue 3).
#include "scan/analyzers.h"

namespace modelgate {

std::string RepositoryRoleFor(std::string_view) { return ""; }

void AnalyzeRepositoryFile(const Blob&, ScanContext&) {}

void AnalyzeLfsPointer(const Blob& blob, ScanContext& ctx) {
  ctx.Report("FORMAT-NOT-ANALYSED", Severity::kInfo, "Git LFS pointer; not analysed by this version", blob.member,
             std::nullopt, "The weights this pointer names are not present.", {{"format", "git-lfs-pointer"}});
}

void AnalyzeRepositoryFolder(const std::string&, std::vector<FileReport>&) {}

}  // namespace modelgate
