// OpenTensors: one file routed by content, or a model folder read through
// its sharded index or as every weight file of one kind it holds.
//
// Folders are hostile too: an index may name "../../etc/passwd" or an
// absolute path; such shards are problems and are never opened. A shard
// that is a symlink is followed when it resolves to a regular file, even
// outside the folder: the Hugging Face cache keeps every snapshot file as a
// symlink into ../../blobs, and reading bytes (never executing them) is all
// forensics does; `modelgate scan` reports such links. Every indexed tensor must be found in the shard the
// index names, and every shard tensor must be indexed, because a loader
// (transformers) reads exactly what the index says and a tensor outside it
// is either dead weight or a second copy waiting for a different loader.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "forensics/loader_support.h"
#include "forensics/tensor_source.h"
#include "formats/routing/content_type.h"
#include "formats/zip/zip_reader.h"

namespace modelgate::forensics {
namespace {

namespace fs = std::filesystem;

// True when every non-directory member of the ZIP ends in ".npy" (and there
// is at least one): numpy.savez's layout. Anything else is left to the
// PyTorch loader.
bool IsNpz(ByteView bytes, const Limits& limits) {
  Result<ZipArchive> zip = ParseZip(bytes, limits);
  if (!zip.ok()) return false;
  bool any = false;
  for (const ZipEntry& e : zip->entries) {
    if (e.IsDirectory()) continue;
    if (e.name.size() < 4 || e.name.compare(e.name.size() - 4, 4, ".npy") != 0) return false;
    any = true;
  }
  return any;
}

Status AddFileByContent(const std::string& path, const Limits& limits, TensorSource* out) {
  Result<std::unique_ptr<MappedFile>> mapped = MappedFile::Open(path);
  if (!mapped.ok()) return Fail(out, path, mapped.status());
  const ContentType type = DetectContentType(mapped.value()->bytes());
  switch (type) {
    case ContentType::kSafetensors:
      return AddSafetensorsBytes(out->Adopt(std::move(mapped).value()), path, limits, out);
    case ContentType::kGguf:
      return AddGgufBytes(out->Adopt(std::move(mapped).value()), path, limits, out);
    case ContentType::kNpy:
      return AddNumpyBytes(out->Adopt(std::move(mapped).value()), path, limits, out);
    case ContentType::kZip:
      if (IsNpz(mapped.value()->bytes(), limits)) {
        return AddNumpyBytes(out->Adopt(std::move(mapped).value()), path, limits, out);
      }
      return AddPytorchFile(path, limits, out);
    case ContentType::kPickle:
      return AddPytorchFile(path, limits, out);
    default:
      return Fail(out, path,
                  Status::NotSupported("content is " + std::string(ContentTypeName(type)) + ", not a tensor file"));
  }
}

// Why `name` (from an index) may not be opened as a file of `folder`, or "".
std::string ShardPathProblem(const fs::path& folder, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos || name.find('\0') != std::string::npos) {
    return "shard \"" + name + "\" is not a plain file name inside the model folder: not opened";
  }
  std::error_code ec;
  const fs::path p = folder / name;
  const fs::file_status st = fs::symlink_status(p, ec);
  if (ec || !fs::exists(st)) return "shard \"" + name + "\" is missing";
  if (!fs::is_regular_file(p, ec)) return "shard \"" + name + "\" is not a regular file";
  return "";
}

// Reads a sharded index (weight_map: tensor -> shard file), loads each
// shard once and cross-checks index and shards.
Status AddIndexedFolder(const fs::path& folder, const fs::path& index_path, const Limits& limits,
                        TensorSource* out) {
  const std::string index_name = index_path.string();
  Result<std::unique_ptr<MappedFile>> mapped = MappedFile::Open(index_name);
  if (!mapped.ok()) return Fail(out, index_name, mapped.status());
  const std::string_view text = AsStringView(mapped.value()->bytes());
  if (text.size() > limits.max_repo_config_bytes) {
    return Fail(out, index_name, Status::LimitExceeded("index larger than Limits::max_repo_config_bytes"));
  }
  if (JsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
    return Fail(out, index_name, Status::LimitExceeded("index nests deeper than Limits::max_json_depth"));
  }
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail(out, index_name, Status::Corruption("index is not a JSON object"));
  }
  auto wm = doc.find("weight_map");
  if (wm == doc.end() || !wm->is_object()) {
    return Fail(out, index_name, Status::Corruption("index has no \"weight_map\" object"));
  }
  std::map<std::string, std::string> weight_map;  // tensor -> shard name
  std::set<std::string> shards;
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    if (!it.value().is_string()) {
      out->AddProblem({index_name, it.key(), "weight_map value is not a file name"});
      continue;
    }
    weight_map[it.key()] = it.value().get<std::string>();
    shards.insert(it.value().get<std::string>());
    if (shards.size() > limits.max_model_shards) {
      return Fail(out, index_name, Status::LimitExceeded("index names more than Limits::max_model_shards shards"));
    }
  }
  std::set<std::string> loaded;  // shard names whose tensors were read
  std::map<std::string, std::string> shard_path;  // shard name -> path as recorded in TensorInfo::file
  for (const std::string& shard : shards) {
    const std::string why = ShardPathProblem(folder, shard);
    if (!why.empty()) {
      out->AddProblem({index_name, "", why});
      continue;
    }
    const std::string path = (folder / shard).string();
    shard_path[shard] = path;
    const Status st = AddFileByContent(path, limits, out);
    if (st.code() == StatusCode::kLimitExceeded) return st;
    if (st.ok()) loaded.insert(shard);
  }
  std::map<std::string, std::string> file_to_shard;
  for (const auto& [shard, path] : shard_path) file_to_shard[path] = shard;
  std::map<std::string, std::set<std::string>> found;  // tensor -> shards holding it
  for (const TensorInfo& t : out->tensors()) {
    auto s = file_to_shard.find(t.file);
    if (s == file_to_shard.end()) continue;
    found[t.name].insert(s->second);
    if (weight_map.count(t.name) == 0) {
      out->AddProblem({t.file, t.name, "tensor is not in the index " + index_path.filename().string()});
    }
  }
  for (const auto& [tensor, shard] : weight_map) {
    if (loaded.count(shard) == 0) continue;  // the shard itself is a problem already
    auto f = found.find(tensor);
    if (f == found.end()) {
      out->AddProblem({index_name, tensor, "indexed tensor missing: not found in any shard"});
    } else if (f->second.count(shard) == 0) {
      out->AddProblem({index_name, tensor, "index names shard \"" + shard + "\" but the tensor is in \"" +
                                               *f->second.begin() + "\""});
    }
  }
  return Status::Ok();
}

// Files the transformers Trainer writes next to the weights of a checkpoint
// folder: arguments, optimizer and scheduler state, RNG state. They are not
// the model, and the optimizer's moment tensors would be compared as if
// they were.
bool IsTrainerStateFile(const std::string& name) {
  static const std::set<std::string> kNames = {"training_args.bin", "optimizer.pt", "optimizer.bin",
                                               "scheduler.pt", "scaler.pt"};
  return kNames.count(name) != 0 || name.rfind("rng_state", 0) == 0;
}

// The weight files of a folder without an index: the first kind present
// (transformers' order), Trainer state files left out.
std::vector<fs::path> WeightFiles(const fs::path& folder, const Limits& limits, Status* status) {
  static const std::vector<std::vector<std::string>> kKinds = {
      {".safetensors"}, {".bin", ".pt", ".pth", ".ckpt"}, {".gguf"}, {".npz", ".npy"}};
  std::vector<std::vector<fs::path>> by_kind(kKinds.size());
  std::error_code ec;
  std::uint64_t seen = 0;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (++seen > limits.max_model_files) {
      *status = Status::LimitExceeded("folder holds more than Limits::max_model_files entries");
      break;
    }
    const std::string ext = it->path().extension().string();
    if (IsTrainerStateFile(it->path().filename().string())) continue;
    for (std::size_t k = 0; k < kKinds.size(); ++k) {
      if (std::find(kKinds[k].begin(), kKinds[k].end(), ext) != kKinds[k].end()) by_kind[k].push_back(it->path());
    }
  }
  if (ec) *status = Status::IOError(folder.string() + ": " + ec.message());
  for (auto& files : by_kind) {
    if (files.empty()) continue;
    std::sort(files.begin(), files.end());
    return files;
  }
  return {};
}

Status AddFolder(const fs::path& folder, const Limits& limits, TensorSource* out) {
  std::error_code ec;
  for (const char* index : {"model.safetensors.index.json", "pytorch_model.bin.index.json"}) {
    if (fs::exists(folder / index, ec)) return AddIndexedFolder(folder, folder / index, limits, out);
  }
  Status listed;
  std::vector<fs::path> files = WeightFiles(folder, limits, &listed);
  if (!listed.ok()) (void)Fail(out, folder.string(), listed);  // a partial listing still loads
  if (files.empty()) return Status::NotSupported(folder.string() + ": no tensor files in the folder");
  if (files.size() > limits.max_model_shards) {
    return Fail(out, folder.string(), Status::LimitExceeded("more than Limits::max_model_shards weight files"));
  }
  for (const fs::path& p : files) {
    const std::string why = ShardPathProblem(folder, p.filename().string());
    if (!why.empty()) {
      out->AddProblem({p.string(), "", why});
      continue;
    }
    const Status st = AddFileByContent(p.string(), limits, out);
    if (st.code() == StatusCode::kLimitExceeded) return st;
  }
  return Status::Ok();
}

// The same name in two places: a loader keeps one of them, silently.
void ReportDuplicateNames(TensorSource* out) {
  std::vector<TensorProblem> dups;
  const auto& ts = out->tensors();
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const std::int64_t first = out->Find(ts[i].name);
    if (first >= 0 && static_cast<std::size_t>(first) != i) {
      const TensorInfo& a = ts[static_cast<std::size_t>(first)];
      dups.push_back({ts[i].file, ts[i].name, "duplicate tensor name: also in " + a.file +
                                                  (a.member.empty() ? "" : " (" + a.member + ")")});
    }
  }
  for (TensorProblem& p : dups) out->AddProblem(std::move(p));
}

}  // namespace

Result<std::unique_ptr<TensorSource>> OpenTensors(const std::string& path, const Limits& limits) {
  auto out = std::make_unique<TensorSource>();
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Status::IOError(path + ": cannot be read" + (ec ? ": " + ec.message() : ""));
  Status s = fs::is_directory(st) ? AddFolder(path, limits, out.get()) : AddFileByContent(path, limits, out.get());
  if (s.code() == StatusCode::kIOError && out->tensors().empty()) return s;
  if (s.code() == StatusCode::kNotSupported && out->tensors().empty()) return s;
  ReportDuplicateNames(out.get());
  return out;
}

}  // namespace modelgate::forensics
