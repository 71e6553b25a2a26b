// Repository files: the ones Hugging Face loaders open by name.
//
// Severity policy (docs/formats/repository.md, "Findings"):
// - auto_map / custom_pipelines / custom diffusers or sentence-transformers
//   classes: the loader imports Python from the repository only with
//   trust_remote_code=True, so on its own that is medium (review the code;
//   its own findings come from the Python analysis). A reference into
//   ANOTHER repository ("org/repo--module.Class") pulls code nobody scanned
//   here: high. Module names that are paths (.., /): high.
// - Weight index entries that leave the folder (absolute, ..) or name files
//   that are not weights (.py, .pkl, .so): high; unknown extensions: medium.
// - A Git LFS pointer is never clean: the weights were not downloaded, so
//   they were not scanned (medium), malformed pointers likewise.
// - JSON the loader cannot read (malformed): medium; JSON beyond our limits:
//   high (the loader may read what we did not).
// - Model card metadata: info (facts for later stages: BOM, diff).
#include <algorithm>
#include <string>
#include <vector>

#include "formats/repo/hf_config.h"
#include "formats/repo/lfs_pointer.h"
#include "formats/repo/model_card.h"
#include "scan/analyzers.h"
#include "scan/repository_internal.h"

namespace modelgate {

std::string_view BaseName(std::string_view path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

using Evidence = std::vector<std::pair<std::string, std::string>>;

// ScanContext::Report with the detail before the location, as findings read.
void Rep(ScanContext& ctx, const char* id, Severity severity, std::string title, std::string detail, const Blob& blob,
         std::optional<std::uint64_t> offset, Evidence evidence) {
  ctx.Report(id, severity, std::move(title), blob.member, offset, std::move(detail), std::move(evidence));
}

std::string Join(const std::vector<std::string>& v, std::size_t max = 20) {
  std::string out;
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k == max) {
      out += ", ... (" + std::to_string(v.size()) + " in all)";
      break;
    }
    out += (k ? ", " : "") + v[k];
  }
  return out;
}

bool PathLeavesFolder(const std::string& p) {
  return !p.empty() && (p[0] == '/' || p[0] == '\\' || p[0] == '~' || p.find("..") != std::string::npos ||
                        (p.size() > 1 && p[1] == ':'));
}

void ReportAutoMap(const std::vector<repo::AutoMapEntry>& entries, const std::vector<std::string>& problems,
                   const Blob& blob, const std::string& label, const char* field, ScanContext& ctx) {
  Evidence summary = {{"file", label}};
  for (const repo::AutoMapEntry& e : entries) {
    summary.push_back({std::string(field) + "." + e.key,
                       e.reference + (e.repo.empty() ? " (" + e.module + ".py)" : " (from " + e.repo + ")")});
    Evidence ev = {{"file", label}, {"key", e.key}, {"reference", e.reference}, {"module", e.module},
                   {"class", e.class_name}};
    if (!e.repo.empty()) {
      ev.push_back({"repository", e.repo});
      Rep(ctx, "REPO-AUTO-MAP-OTHER-REPO", Severity::kHigh,
                 label + ": " + field + " pulls code from another repository (" + e.repo + ")",
                 "transformers downloads " + e.module + ".py from " + e.repo +
                     " and imports it (trust_remote_code=True). That code is not in this folder and was not "
                     "scanned; it can change at any time without this repository changing.",
                 blob, std::nullopt, std::move(ev));
    } else if (PathLeavesFolder(e.module) || e.module.find('/') != std::string::npos) {
      Rep(ctx, "REPO-AUTO-MAP-PATH", Severity::kHigh, label + ": " + field + " module name is a path (" + e.module + ")",
                 "The module file is resolved relative to the repository; a path here reaches files outside it.",
                 blob, std::nullopt, std::move(ev));
    } else if (!e.well_formed) {
      Rep(ctx, "REPO-AUTO-MAP-MALFORMED", Severity::kMedium, label + ": malformed " + field + " entry " + e.key,
                 "transformers expects 'module.Class' (optionally 'org/repo--module.Class'); the loader fails or "
                 "resolves it differently.",
                 blob, std::nullopt, std::move(ev));
    }
  }
  for (const std::string& p : problems) {
    Rep(ctx, "REPO-AUTO-MAP-MALFORMED", Severity::kMedium, label + ": malformed " + field, p, blob,
               std::nullopt, {{"file", label}, {"problem", p}});
  }
  if (!entries.empty()) {
    Rep(ctx, "REPO-REMOTE-CODE", Severity::kMedium,
               label + ": loading needs trust_remote_code=True (" + std::to_string(entries.size()) + " classes)",
               std::string("The ") + field + " entries make the loader import Python files from the repository and "
               "run them. Review them (their own findings are reported on each .py file).",
               blob, std::nullopt, std::move(summary));
  }
}

void AnalyzeStModules(const nlohmann::json& doc, const Blob& blob, const std::string& label, ScanContext& ctx) {
  auto modules = repo::ReadStModules(doc);
  if (!modules) {
    Rep(ctx, "REPO-CONFIG-MALFORMED", Severity::kMedium, label + ": not a list of modules",
               "sentence-transformers expects a JSON list of {idx, name, path, type}.", blob, std::nullopt,
               {{"file", label}});
    return;
  }
  static const std::vector<std::string> kDangerous = {"os", "posix", "nt", "subprocess", "builtins", "sys", "shutil",
                                                      "socket", "pty", "ctypes", "importlib", "runpy", "pickle",
                                                      "marshal", "code", "pdb", "webbrowser"};
  for (const repo::StModule& m : *modules) {
    Evidence ev = {{"file", label}, {"name", m.name}, {"path", m.path}, {"type", m.type}};
    if (PathLeavesFolder(m.path)) {
      Rep(ctx, "REPO-ST-MODULE-PATH", Severity::kHigh, label + ": module path leaves the repository (" + m.path + ")",
                 "sentence-transformers loads each module from its path; this one is outside the folder.",
                 blob, std::nullopt, ev);
    }
    if (m.type.rfind("sentence_transformers.", 0) == 0) continue;
    std::string top = m.type.substr(0, m.type.find('.'));
    bool dangerous = false;
    for (const auto& d : kDangerous) dangerous |= top == d;
    Rep(ctx, "REPO-ST-CUSTOM-MODULE", dangerous ? Severity::kHigh : Severity::kMedium,
               label + ": custom module type " + m.type,
               dangerous ? "sentence-transformers imports the type with importlib and calls its load(): this one "
                           "names a standard-library module that runs processes or code."
                         : "The type is not a sentence_transformers class: it is imported from an installed "
                           "package or, with trust_remote_code=True, from the repository's Python files.",
               blob, std::nullopt, ev);
  }
}

void AnalyzeDiffusersIndex(const nlohmann::json& doc, const Blob& blob, const std::string& label, ScanContext& ctx) {
  repo::DiffusersIndex idx = repo::ReadDiffusersIndex(doc);
  if (!idx.pipeline_module.empty()) {
    Rep(ctx, "REPO-DIFFUSERS-CUSTOM-PIPELINE", PathLeavesFolder(idx.pipeline_module) ? Severity::kHigh : Severity::kMedium,
               label + ": custom pipeline class " + idx.pipeline_module + "." + idx.pipeline_class,
               "_class_name names a module of the repository: diffusers imports it (trust_remote_code=True).",
               blob, std::nullopt,
               {{"file", label}, {"module", idx.pipeline_module}, {"class", idx.pipeline_class}});
  }
  static const std::vector<std::string> kDangerous = {"os", "posix", "nt", "subprocess", "builtins", "sys", "shutil",
                                                      "socket", "pty", "ctypes", "importlib", "runpy", "pickle"};
  for (const repo::DiffusersComponent& c : idx.components) {
    if (c.library.empty() || c.library == "diffusers" || c.library == "transformers") continue;
    bool dangerous = PathLeavesFolder(c.library) || c.library.find('/') != std::string::npos;
    std::string top = c.library.substr(0, c.library.find('.'));
    for (const auto& d : kDangerous) dangerous |= top == d;
    Rep(ctx, "REPO-DIFFUSERS-COMPONENT", dangerous ? Severity::kHigh : Severity::kLow,
               label + ": component " + c.name + " comes from " + c.library + "." + c.class_name,
               dangerous ? "diffusers imports the library name with importlib; this names a standard-library module "
                           "that runs processes or code, or a path."
                         : "Not a diffusers or transformers class: diffusers loads it from one of its pipeline "
                           "modules, an installed package, or (trust_remote_code=True) " + c.name + "/" + c.library +
                               ".py in the repository.",
               blob, std::nullopt,
               {{"file", label}, {"component", c.name}, {"library", c.library}, {"class", c.class_name}});
  }
}

void AnalyzeWeightIndex(const nlohmann::json& doc, const Blob& blob, const std::string& label, ScanContext& ctx) {
  auto map = repo::ReadWeightMap(doc);
  if (!map) {
    Rep(ctx, "REPO-CONFIG-MALFORMED", Severity::kMedium, label + ": weight index without a weight_map object",
               "transformers reads index['weight_map'] to find the shards; this index cannot be loaded.", blob,
               std::nullopt, {{"file", label}});
    return;
  }
  std::vector<std::string> files;
  for (const auto& [tensor, file] : *map) {
    if (std::find(files.begin(), files.end(), file) == files.end()) files.push_back(file);
  }
  static const std::vector<std::string> kWeights = {".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack",
                                                    ".ckpt", ".gguf", ".npz"};
  static const std::vector<std::string> kCode = {".py", ".pkl", ".pickle", ".so", ".dll", ".dylib", ".sh",
                                                 ".exe", ".joblib", ".dill", ".pyc"};
  for (const std::string& f : files) {
    Evidence ev = {{"file", label}, {"shard", f}};
    if (PathLeavesFolder(f)) {
      Rep(ctx, "REPO-WEIGHT-MAP-PATH", Severity::kHigh, label + ": shard path leaves the repository (" + f + ")",
                 "transformers opens os.path.join(folder, shard): an absolute path or '..' reads (and for .bin "
                 "shards unpickles) a file outside the model folder.",
                 blob, std::nullopt, ev);
      continue;
    }
    bool weight = false, code = false;
    for (const auto& e : kWeights) weight |= EndsWith(f, e);
    for (const auto& e : kCode) code |= EndsWith(f, e);
    if (!weight) {
      Rep(ctx, "REPO-WEIGHT-MAP-SUSPICIOUS", code ? Severity::kHigh : Severity::kMedium,
                 label + ": shard is not a weight file (" + f + ")",
                 "Sharded weights are .safetensors or .bin files; a shard named like code or a pickle is loaded by "
                 "the weight loader anyway.",
                 blob, std::nullopt, ev);
    }
  }
  Rep(ctx, "REPO-WEIGHT-INDEX", Severity::kInfo,
             label + ": " + std::to_string(map->size()) + " tensors in " + std::to_string(files.size()) + " shards",
             "The shards are checked against the folder when the folder is scanned.", blob, std::nullopt,
             {{"file", label}, {"shards", Join(files)}});
}

void AnalyzeModelCardText(std::string_view text, const Blob& blob, const std::string& label, ScanContext& ctx) {
  repo::ModelCard c = repo::ReadModelCard(text, ctx.limits());
  if (!c.has_front_matter) {
    Rep(ctx, "REPO-MODEL-CARD", Severity::kInfo, label + ": model card without metadata",
               "No YAML front matter (--- block) at the top: no base model, license or datasets declared.",
               blob, std::nullopt, {{"file", label}});
    return;
  }
  if (!c.terminated || c.too_large) {
    Rep(ctx, "REPO-MODEL-CARD-MALFORMED", Severity::kLow,
               label + (c.too_large ? ": model card metadata too large" : ": model card metadata not closed"),
               c.too_large ? "The front matter is larger than the limit; the rest was not read."
                           : "The front matter has no closing --- line; the Hub ignores it.",
               blob, std::nullopt, {{"file", label}});
  }
  Evidence ev = {{"file", label}};
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty()) ev.push_back({k, v});
  };
  add("base_model", Join(c.base_models));
  add("base_model_relation", c.base_model_relation);
  add("license", c.license);
  add("license_name", c.license_name);
  add("license_link", c.license_link);
  add("datasets", Join(c.datasets));
  add("pipeline_tag", c.pipeline_tag);
  add("library_name", c.library_name);
  add("language", Join(c.languages));
  add("tags", Join(c.tags));
  add("metrics", Join(c.metrics));
  add("model_name", c.model_name);
  if (c.unparsed_lines) add("unparsed_lines", std::to_string(c.unparsed_lines));
  Rep(ctx, "REPO-MODEL-CARD", Severity::kInfo, label + ": model card metadata",
             "What the card declares (YAML front matter, read with a bounded subset parser).", blob,
             std::nullopt, std::move(ev));
  if (c.has_model_index) {
    Rep(ctx, "REPO-MODEL-CARD-CLAIMS", Severity::kInfo,
               label + ": claims " + std::to_string(c.model_index_results) + " evaluation results (model-index)",
               "Claimed results are recorded so a later stage can re-run them.", blob, std::nullopt,
               {{"file", label}, {"results", std::to_string(c.model_index_results)},
                {"datasets", Join(c.model_index_datasets)}});
  }
}

void AnalyzeJsonFile(std::string_view role, const Blob& blob, const std::string& label, ScanContext& ctx) {
  Result<nlohmann::json> parsed = repo::ParseJsonBounded(blob.bytes, ctx.limits());
  if (!parsed.ok()) {
    bool limit = parsed.status().code() == StatusCode::kLimitExceeded;
    Rep(ctx, limit ? "REPO-CONFIG-LIMIT" : "REPO-CONFIG-MALFORMED", limit ? Severity::kHigh : Severity::kMedium,
               label + (limit ? ": too large or deep to analyse" : ": not valid JSON"),
               limit ? "Python's json module reads it, so the loader may see entries (auto_map ...) the scanner did "
                       "not: " + parsed.status().ToString()
                     : "The loader fails to read it (json.load): " + parsed.status().ToString(),
               blob, std::nullopt, {{"file", label}, {"error", parsed.status().ToString()}});
    return;
  }
  const nlohmann::json& doc = parsed.value();
  if (role == kRoleConfig || role == kRoleTokenizerConfig || role == kRoleProcessorConfig) {
    if (!doc.is_object()) {
      Rep(ctx, "REPO-CONFIG-MALFORMED", Severity::kMedium, label + ": not a JSON object",
                 "Configuration files are JSON objects; the loader fails on this one.", blob, std::nullopt,
                 {{"file", label}});
      return;
    }
    std::vector<std::string> problems;
    ReportAutoMap(repo::ReadAutoMap(doc, &problems), problems, blob, label, "auto_map", ctx);
    if (role == kRoleConfig) ReportAutoMap(repo::ReadCustomPipelines(doc), {}, blob, label, "custom_pipelines", ctx);
  }
  if (role == kRoleTokenizerConfig || role == kRoleProcessorConfig || role == kRoleChatTemplateJson) {
    for (const auto& [where, text] : repo::ReadChatTemplates(doc)) {
      AnalyzeChatTemplate(text, blob, label + ":" + where, ctx);
    }
  }
  if (role == kRoleStModules) AnalyzeStModules(doc, blob, label, ctx);
  if (role == kRoleDiffusersIndex) AnalyzeDiffusersIndex(doc, blob, label, ctx);
  if (role == kRoleWeightIndex) AnalyzeWeightIndex(doc, blob, label, ctx);
  Evidence ev = {{"file", label}, {"role", std::string(role)}};
  if (doc.is_object()) {
    for (const char* k : {"model_type", "architectures", "tokenizer_class", "_class_name", "transformers_version"}) {
      auto it = doc.find(k);
      if (it != doc.end()) ev.push_back({k, it->is_string() ? it->get<std::string>() : it->dump().substr(0, 200)});
    }
  }
  Rep(ctx, "REPO-CONFIG", Severity::kInfo, label + ": repository configuration read",
             "A file the loader opens by name; its references were checked.", blob, std::nullopt,
             std::move(ev));
}

}  // namespace

std::string RepositoryRoleFor(std::string_view path) {
  std::string_view name = BaseName(path);
  if (name == "config.json") return std::string(kRoleConfig);
  if (name == "tokenizer_config.json") return std::string(kRoleTokenizerConfig);
  if (name == "preprocessor_config.json" || name == "processor_config.json" || name == "feature_extractor_config.json" ||
      name == "image_processor_config.json" || name == "video_preprocessor_config.json") {
    return std::string(kRoleProcessorConfig);
  }
  if (name == "generation_config.json") return std::string(kRoleGenerationConfig);
  if (name == "chat_template.jinja") return std::string(kRoleChatTemplateJinja);
  if (name == "chat_template.json") return std::string(kRoleChatTemplateJson);
  if (name == "modules.json") return std::string(kRoleStModules);
  if (name == "config_sentence_transformers.json") return std::string(kRoleStConfig);
  if (name == "model_index.json") return std::string(kRoleDiffusersIndex);
  if (EndsWith(name, ".safetensors.index.json") || EndsWith(name, ".bin.index.json") ||
      EndsWith(name, ".h5.index.json") || EndsWith(name, ".msgpack.index.json")) {
    return std::string(kRoleWeightIndex);
  }
  if (EndsWith(name, ".py") && name.size() > 3) return std::string(kRolePython);
  if (name == "README.md") return std::string(kRoleModelCard);
  return "";
}

void AnalyzeRepositoryFile(const Blob& blob, ScanContext& ctx) {
  std::string_view text = AsStringView(blob.bytes);
  // A pointer in place of the file: AnalyzeLfsPointer reports it; the real content was never here.
  if (text.rfind("version https://git-lfs.github.com/spec/", 0) == 0) return;
  std::string label(BaseName(ctx.path()));
  const std::string& role = blob.role;
  if (role == kRolePython) {
    AnalyzePythonSource(text, blob, label, ctx);
  } else if (role == kRoleModelCard) {
    AnalyzeModelCardText(text, blob, label, ctx);
  } else if (role == kRoleChatTemplateJinja) {
    AnalyzeChatTemplate(text, blob, label, ctx);
  } else {
    AnalyzeJsonFile(role, blob, label, ctx);
  }
}

void AnalyzeLfsPointer(const Blob& blob, ScanContext& ctx) {
  std::string label(BaseName(ctx.path()));
  Result<repo::LfsPointer> p = repo::ParseLfsPointer(blob.bytes);
  if (!p.ok()) {
    Rep(ctx, "REPO-LFS-POINTER-MALFORMED", Severity::kMedium, label + ": malformed Git LFS pointer",
               "The file starts like a Git LFS pointer but does not follow the spec (" + p.status().ToString() +
                   "); git-lfs will not resolve it and the real content is not here.",
               blob, 0, {{"file", label}, {"error", p.status().ToString()}});
    return;
  }
  Rep(ctx, "REPO-LFS-POINTER", Severity::kMedium, label + ": Git LFS pointer, weights not present",
             "The repository was cloned without `git lfs pull`: this file only names the real content by hash, so "
             "the weights were not scanned. Fetch them and scan again before loading.",
             blob, 0,
             {{"file", label}, {"oid", "sha256:" + p.value().oid}, {"size", std::to_string(p.value().size)}});
}

}  // namespace modelgate
