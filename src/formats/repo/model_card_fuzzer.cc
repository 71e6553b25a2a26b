// Fuzz target for the model card front-matter reader and the README.md
// analysis: arbitrary bytes as a repository README.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/repo/model_card.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = [] {
    Limits l = Limits::ForFuzzing();
    l.max_model_card_header_bytes = 64 << 10;
    return l;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  repo::ModelCard c = repo::ReadModelCard(text, limits);
  if (c.terminated && !c.has_front_matter) std::abort();
  if (c.body_offset > size) std::abort();
  if (c.other.size() > 200 || c.tags.size() > 1000 || c.model_index_datasets.size() > 32) std::abort();
  ScanContext ctx("fuzz/README.md", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = ByteView(data, size);
  blob.role = RepositoryRoleFor("fuzz/README.md");
  AnalyzeRepositoryFile(blob, ctx);
  (void)ctx.TakeFindings();
  return 0;
}
