// AnalyzeRepositoryFolder: the checks that need a model repository as one
// unit, run after every file of a scanned folder has its own report.
//
// A repository unit is any folder (the root or one below it) that directly
// holds config.json, tokenizer_config.json, a processor config,
// model_index.json, modules.json, a weight index or README.md. For each unit
// the configuration files are read again (small, bounded by
// Limits::max_repo_config_bytes) and their references checked against the
// files present:
// - auto_map / custom_pipelines modules: missing -> medium on the config;
//   present -> an info link on the .py report (its own findings came from
//   the per-file analysis);
// - weight index shards that are missing -> high on the index;
// - diffusers custom components / pipelines whose module file is missing -> medium;
// - Git LFS pointers in the unit -> one info summary on the unit's anchor;
// - .py files that nothing references -> info.
// Findings are inserted so each report stays sorted most severe first.
#include <algorithm>
#include <map>
#include <set>

#include "formats/repo/hf_config.h"
#include "modelgate/limits.h"
#include "modelgate/mapped_file.h"
#include "scan/analyzers.h"
#include "scan/repository_internal.h"

namespace modelgate {
namespace {

std::string Parent(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string Child(const std::string& dir, const std::string& rel) { return dir.empty() ? rel : dir + "/" + rel; }

void Add(FileReport& r, std::string id, Severity sev, std::string title, std::string detail,
         std::vector<std::pair<std::string, std::string>> evidence) {
  Finding f;
  f.id = std::move(id);
  f.severity = sev;
  f.title = std::move(title);
  f.path = r.path;
  f.detail = std::move(detail);
  f.evidence = std::move(evidence);
  auto at = std::find_if(r.findings.begin(), r.findings.end(), [&](const Finding& g) { return g.severity < sev; });
  r.findings.insert(at, std::move(f));
}

bool SafeRelative(const std::string& p) {
  return !p.empty() && p[0] != '/' && p[0] != '\\' && p[0] != '~' && p.find("..") == std::string::npos &&
         !(p.size() > 1 && p[1] == ':');
}

class Folder {
 public:
  explicit Folder(std::vector<FileReport>& files) : files_(files) {
    for (std::size_t k = 0; k < files_.size(); ++k) by_path_[files_[k].path] = k;
  }

  void Run() {
    std::set<std::string> units;
    for (const FileReport& f : files_) {
      std::string role = RepositoryRoleFor(f.path);
      if (!role.empty() && role != kRolePython && role != kRoleChatTemplateJinja) units.insert(Parent(f.path));
    }
    for (const std::string& dir : units) Unit(dir);
  }

 private:
  FileReport* Find(const std::string& path) {
    auto it = by_path_.find(path);
    return it == by_path_.end() ? nullptr : &files_[it->second];
  }

  // Re-reads a config the per-file pass already scanned. Never opens what the
  // walk did not open itself (symlinks, FIFOs, devices): following a link
  // here would read outside the repository, and opening a FIFO would block.
  std::optional<nlohmann::json> Load(const std::string& path) {
    const FileReport* scanned = Find(path);
    if (scanned == nullptr || scanned->format == "symlink" || scanned->format == "special" ||
        scanned->format == "unreadable" || scanned->format == "folder") {
      return std::nullopt;
    }
    auto file = MappedFile::Open(path);
    if (!file.ok()) return std::nullopt;
    Result<nlohmann::json> doc = repo::ParseJsonBounded(file.value()->bytes(), limits_);
    if (!doc.ok()) return std::nullopt;
    return std::move(doc).value();
  }

  void Unit(const std::string& dir) {
    std::set<std::string> referenced;  // .py paths something references
    std::vector<const FileReport*> lfs;
    FileReport* anchor = nullptr;
    std::vector<std::size_t> direct;
    // Paths sharing the prefix "dir/" are contiguous in sorted order.
    std::string prefix = dir.empty() ? "" : dir + "/";
    for (auto it = by_path_.lower_bound(prefix); it != by_path_.end(); ++it) {
      const std::string& p = it->first;
      if (p.compare(0, prefix.size(), prefix) != 0) break;
      std::size_t k = it->second;
      if (files_[k].format == "git-lfs-pointer") lfs.push_back(&files_[k]);
      if (Parent(p) == dir) direct.push_back(k);
    }
    std::sort(direct.begin(), direct.end());
    for (std::size_t k : direct) {
      FileReport& f = files_[k];
      std::string role = RepositoryRoleFor(f.path);
      std::string name(BaseName(f.path));
      if (name == "config.json" || (!anchor && name == "README.md")) anchor = &f;
      if (role == kRoleConfig || role == kRoleTokenizerConfig || role == kRoleProcessorConfig) {
        AutoMapModules(dir, f, &referenced);
      } else if (role == kRoleWeightIndex) {
        Shards(dir, f);
      } else if (role == kRoleDiffusersIndex) {
        DiffusersModules(dir, f, &referenced);
      } else if (role == kRoleStModules) {
        StModules(dir, f, &referenced);
      }
    }
    if (!anchor && !direct.empty()) anchor = &files_[direct.front()];
    if (anchor && !lfs.empty()) {
      std::string names;
      for (std::size_t k = 0; k < lfs.size() && k < 20; ++k) names += (k ? ", " : "") + std::string(BaseName(lfs[k]->path));
      if (lfs.size() > 20) names += ", ...";
      Add(*anchor, "REPO-LFS-SUMMARY", Severity::kInfo,
          "Repository " + (dir.empty() ? std::string(".") : dir) + ": " + std::to_string(lfs.size()) +
              " Git LFS pointers instead of files",
          "These files were never downloaded (git lfs pull), so their content was not scanned.",
          {{"count", std::to_string(lfs.size())}, {"files", names}});
    }
    for (std::size_t k : direct) {
      FileReport& f = files_[k];
      if (RepositoryRoleFor(f.path) != kRolePython || referenced.count(f.path) || f.format == "git-lfs-pointer") continue;
      Add(f, "REPO-PYTHON-UNREFERENCED", Severity::kInfo, std::string(BaseName(f.path)) + ": no configuration refers to it",
          "No auto_map, custom pipeline or component names this module; it runs only if another module imports it "
          "(or if a user runs it).",
          {{"file", std::string(BaseName(f.path))}});
    }
  }

  void LinkOrMissing(const std::string& dir, FileReport& config, const std::string& field, const std::string& key,
                     const std::string& rel_module_file, const std::string& cls, std::set<std::string>* referenced) {
    std::string py = Child(dir, rel_module_file);
    std::string cfg(BaseName(config.path));
    if (FileReport* f = Find(py)) {
      referenced->insert(py);
      Add(*f, "REPO-AUTO-MAP-LINK", Severity::kInfo,
          rel_module_file + ": imported by " + cfg + " " + field + " (" + key + ")",
          "The loader imports this module for class " + cls + " when trust_remote_code=True; its findings above apply "
          "to loading the model.",
          {{"config", cfg}, {"key", key}, {"class", cls}});
    } else {
      Add(config, "REPO-AUTO-MAP-MODULE-MISSING", Severity::kMedium,
          cfg + ": " + field + " names " + rel_module_file + ", which is not in the folder",
          "The loader would fail, or fetch the module from the Hub (a different revision than the one scanned).",
          {{"key", key}, {"module_file", rel_module_file}, {"class", cls}});
    }
  }

  void AutoMapModules(const std::string& dir, FileReport& config, std::set<std::string>* referenced) {
    auto doc = Load(config.path);
    if (!doc) return;
    std::vector<std::string> problems;
    std::vector<repo::AutoMapEntry> entries = repo::ReadAutoMap(*doc, &problems);
    std::vector<repo::AutoMapEntry> pipelines = repo::ReadCustomPipelines(*doc);
    for (auto* list : {&entries, &pipelines}) {
      for (const repo::AutoMapEntry& e : *list) {
        if (!e.repo.empty() || !SafeRelative(e.module) || e.module.find('/') != std::string::npos) continue;
        LinkOrMissing(dir, config, list == &entries ? "auto_map" : "custom_pipelines", e.key, e.module + ".py",
                      e.class_name, referenced);
      }
    }
  }

  void DiffusersModules(const std::string& dir, FileReport& index, std::set<std::string>* referenced) {
    auto doc = Load(index.path);
    if (!doc) return;
    repo::DiffusersIndex idx = repo::ReadDiffusersIndex(*doc);
    if (!idx.pipeline_module.empty() && SafeRelative(idx.pipeline_module)) {
      LinkOrMissing(dir, index, "_class_name", "_class_name", idx.pipeline_module + ".py", idx.pipeline_class, referenced);
    }
    for (const repo::DiffusersComponent& c : idx.components) {
      if (c.library.empty() || c.library == "diffusers" || c.library == "transformers") continue;
      if (!SafeRelative(c.library) || !SafeRelative(c.name)) continue;
      std::string rel = c.name + "/" + c.library + ".py";
      if (Find(Child(dir, rel))) LinkOrMissing(dir, index, "component", c.name, rel, c.class_name, referenced);
    }
  }

  void StModules(const std::string& dir, FileReport& modules, std::set<std::string>* referenced) {
    auto doc = Load(modules.path);
    if (!doc) return;
    auto list = repo::ReadStModules(*doc);
    if (!list) return;
    for (const repo::StModule& m : *list) {
      if (m.type.rfind("sentence_transformers.", 0) == 0) continue;
      std::size_t dot = m.type.rfind('.');
      if (dot == std::string::npos) continue;
      std::string module_file = m.type.substr(0, dot);
      std::replace(module_file.begin(), module_file.end(), '.', '/');
      module_file += ".py";
      std::string rel = m.path.empty() ? module_file : m.path + "/" + module_file;
      for (const std::string& candidate : {rel, module_file}) {
        if (SafeRelative(candidate) && Find(Child(dir, candidate))) {
          LinkOrMissing(dir, modules, "modules", m.name, candidate, m.type.substr(dot + 1), referenced);
          break;
        }
      }
    }
  }

  void Shards(const std::string& dir, FileReport& index) {
    auto doc = Load(index.path);
    if (!doc) return;
    auto map = repo::ReadWeightMap(*doc);
    if (!map) return;
    std::set<std::string> shards;
    for (const auto& [tensor, file] : *map) shards.insert(file);
    std::vector<std::string> missing;
    for (const std::string& s : shards) {
      if (SafeRelative(s) && !Find(Child(dir, s))) missing.push_back(s);
    }
    if (missing.empty()) return;
    std::string list;
    for (std::size_t k = 0; k < missing.size() && k < 20; ++k) list += (k ? ", " : "") + missing[k];
    Add(index, "REPO-WEIGHT-MAP-MISSING", Severity::kHigh,
        std::string(BaseName(index.path)) + ": " + std::to_string(missing.size()) + " shards are not in the folder",
        "The loader looks for these shards (and downloads them from the Hub when loading by repository id), so "
        "weights that were not scanned would be loaded.",
        {{"missing", list}, {"count", std::to_string(missing.size())}});
  }

  std::vector<FileReport>& files_;
  std::map<std::string, std::size_t> by_path_;
  Limits limits_;
};

}  // namespace

void AnalyzeRepositoryFolder(const std::string& root, std::vector<FileReport>& files) {
  (void)root;  // units are found from the file paths themselves (the root or any folder below it)
  Folder(files).Run();
}

}  // namespace modelgate
