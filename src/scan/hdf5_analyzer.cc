// AnalyzeHdf5: placeholder until the HDF5 reader lands (issue 3).
#include "scan/analyzers.h"

namespace modelgate {

void AnalyzeHdf5(const Blob& blob, ScanContext& ctx) {
  ctx.Report("FORMAT-NOT-ANALYSED", Severity::kInfo, "Recognised as HDF5; not analysed by this version",
             blob.member, std::nullopt, "The format was identified, but its content was not checked.",
             {{"format", "HDF5"}});
}

}  // namespace modelgate
