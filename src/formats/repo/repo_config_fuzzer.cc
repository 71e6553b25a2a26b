// Fuzz target for the repository JSON readers (bounded parse, auto_map,
// chat templates, modules.json, model_index.json, weight maps) and the LFS
// pointer parser. The first byte picks the file name (and so the role).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/repo/hf_config.h"
#include "formats/repo/lfs_pointer.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  static const char* kNames[] = {"r/config.json", "r/tokenizer_config.json", "r/preprocessor_config.json",
                                 "r/modules.json", "r/model_index.json", "r/model.safetensors.index.json",
                                 "r/chat_template.json", "r/generation_config.json"};
  if (size == 0) return 0;
  const char* name = kNames[data[0] % 8];
  ByteView bytes(data + 1, size - 1);
  auto doc = repo::ParseJsonBounded(bytes, limits);
  if (doc.ok()) {
    std::vector<std::string> problems;
    for (const auto& e : repo::ReadAutoMap(doc.value(), &problems)) {
      if (e.well_formed && (e.module.empty() || e.class_name.empty())) std::abort();
    }
    (void)repo::ReadCustomPipelines(doc.value());
    (void)repo::ReadChatTemplates(doc.value());
    (void)repo::ReadStModules(doc.value());
    (void)repo::ReadDiffusersIndex(doc.value());
    (void)repo::ReadWeightMap(doc.value());
  }
  auto lfs = repo::ParseLfsPointer(bytes);
  if (lfs.ok() && lfs.value().oid.size() != 64) std::abort();
  ScanContext ctx(name, limits, Policy::Builtin());
  Blob blob;
  blob.bytes = bytes;
  blob.role = RepositoryRoleFor(name);
  AnalyzeRepositoryFile(blob, ctx);
  AnalyzeLfsPointer(blob, ctx);
  (void)ctx.TakeFindings();
  return 0;
}
