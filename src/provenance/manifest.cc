// BuildManifest: enumerate (model_walk), plan the resources (one per file, or
// one per shard), take what the digest cache already knows, hash the rest on
// a small pool of threads, and put everything in payload order.
#include "provenance/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/hashing.h"
#include "provenance/digest_cache.h"
#include "provenance/model_walk.h"

namespace modelgate::provenance {

namespace fs = std::filesystem;

namespace {

HashKind KindOf(HashAlgorithm algorithm) {
  return algorithm == HashAlgorithm::kSha256 ? HashKind::kSha256 : HashKind::kBlake2b512;
}

// One digest to compute: bytes [start, end) of file `file`, stored at
// resources[out].
struct Job {
  std::size_t file;
  std::uint64_t start;
  std::uint64_t end;
  std::size_t out;
};

std::string ModelNameOf(const fs::path& model) {
  std::string name = model.filename().string();
  if (!name.empty() && name != "." && name != "..") return name;
  std::error_code ec;
  fs::path abs = fs::absolute(model, ec).lexically_normal();
  if (abs.has_filename()) return abs.filename().string();
  return abs.parent_path().filename().string();
}

// Opens a file the walk measured, without following a link the walk did not
// follow, and checks it is still the file the walk saw.
class OpenFile {
 public:
  ~OpenFile() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    index_ = SIZE_MAX;
  }
  Status Open(const ModelFile& file, std::size_t index) {
    if (index == index_) return Status::Ok();
    Close();
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;  // O_NONBLOCK: never hang on a FIFO swapped in
    if (!file.via_symlink) flags |= O_NOFOLLOW;
    fd_ = ::open(file.path.c_str(), flags);
    if (fd_ < 0) return Status::IOError(file.name + ": cannot open: " + std::strerror(errno));
    index_ = index;
    return CheckUnchanged(file);
  }
  Status CheckUnchanged(const ModelFile& file) const {
    struct stat st;
    if (fstat(fd_, &st) != 0) return Status::IOError(file.name + ": cannot stat: " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(file.name + ": is no longer a regular file");
    if (static_cast<std::uint64_t>(st.st_ino) != file.identity.inode ||
        static_cast<std::uint64_t>(st.st_dev) != file.identity.device ||
        static_cast<std::uint64_t>(st.st_size) != file.identity.size) {
      return Status::IOError(file.name + ": changed while the manifest was built (size " +
                             std::to_string(file.identity.size) + " -> " + std::to_string(st.st_size) + ")");
    }
    return Status::Ok();
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::size_t index_ = SIZE_MAX;
};

// Runs `jobs` on up to `threads` threads; the first error stops the rest.
Status RunJobs(const std::vector<ModelFile>& files, const std::vector<Job>& jobs, HashKind kind, unsigned threads,
               std::vector<Resource>* resources) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  Status first_error;
  auto worker = [&] {
    OpenFile open;
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= jobs.size()) return;
      const Job& job = jobs[i];
      const ModelFile& file = files[job.file];
      Status st = open.Open(file, job.file);
      Result<std::string> digest = st.ok() ? HashFileRange(open.fd(), job.start, job.end - job.start, kind, file.name)
                                           : Result<std::string>(st);
      if (digest.ok()) st = open.CheckUnchanged(file);
      if (!digest.ok() || !st.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!failed.exchange(true)) first_error = digest.ok() ? st : digest.status();
        return;
      }
      (*resources)[job.out].digest = std::move(digest).value();
    }
  };
  const unsigned n = static_cast<unsigned>(std::min<std::size_t>(threads, jobs.size()));
  if (n <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(n);
    for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
  }
  return first_error;
}

}  // namespace

std::string_view HashAlgorithmName(HashAlgorithm algorithm) {
  return algorithm == HashAlgorithm::kSha256 ? "sha256" : "blake2b";
}

std::optional<HashAlgorithm> ParseHashAlgorithm(std::string_view name) {
  if (name == "sha256") return HashAlgorithm::kSha256;
  if (name == "blake2b") return HashAlgorithm::kBlake2b;
  return std::nullopt;
}

std::string ResourceAlgorithm(const SerializationOptions& options) {
  std::string name(HashAlgorithmName(options.hash));
  if (options.method == SerializationMethod::kShards) name += "-sharded-" + std::to_string(options.shard_size);
  return name;
}

std::vector<std::string> RecordedIgnorePaths(const SerializationOptions& options) {
  std::set<std::string> all;
  for (const std::string& p : options.ignore_paths) {
    Result<std::string> n = NormalizeIgnorePath(p);
    all.insert(n.ok() ? n.value() : p);
  }
  if (options.ignore_git_paths) {
    for (const std::string& d : DefaultIgnorePaths()) all.insert(d);
  }
  return std::vector<std::string>(all.begin(), all.end());
}

std::string_view ResourceFileName(std::string_view name, SerializationMethod method) {
  if (method != SerializationMethod::kShards) return name;
  const std::size_t end_colon = name.rfind(':');
  if (end_colon == std::string_view::npos || end_colon == 0) return name;
  const std::size_t start_colon = name.rfind(':', end_colon - 1);
  if (start_colon == std::string_view::npos) return name;
  return name.substr(0, start_colon);
}

std::string ToHex(std::string_view raw) { return HexEncode(raw); }

std::string Manifest::RootDigest() const {
  StreamHasher hasher(HashKind::kSha256);
  for (const Resource& r : resources) hasher.Update(r.digest);
  return hasher.Finish();
}

Result<Manifest> BuildManifest(const fs::path& model, const SerializationOptions& options, const Limits& limits) {
  if (options.method == SerializationMethod::kShards && options.shard_size == 0) {
    return Status::InvalidArgument("shard size must be positive");
  }
  WalkOptions walk_options;
  walk_options.allow_symlinks = options.allow_symlinks;
  walk_options.ignore_git_paths = options.ignore_git_paths;
  for (const std::string& p : options.ignore_paths) {
    Result<std::string> n = NormalizeIgnorePath(p);
    if (!n.ok()) return n.status();
    walk_options.ignore_paths.push_back(std::move(n).value());
  }
  Result<ModelWalk> walk = WalkModel(model, walk_options, limits);
  if (!walk.ok()) return walk.status();
  const std::vector<ModelFile>& files = walk->files;

  Manifest manifest;
  manifest.model_name = ModelNameOf(model);
  manifest.serialization = options;
  manifest.serialization.cache = nullptr;
  manifest.warnings = walk->warnings;
  const std::string algorithm = ResourceAlgorithm(options);
  const bool shards = options.method == SerializationMethod::kShards;
  const std::uint64_t shard_size = shards ? options.shard_size : 0;

  // Plan: resources in payload order (files are sorted; shards ascend).
  std::vector<Job> jobs;
  std::vector<std::pair<std::size_t, std::size_t>> file_resources(files.size());  // [first, last)
  for (std::size_t f = 0; f < files.size(); ++f) {
    const ModelFile& file = files[f];
    const std::uint64_t size = file.identity.size;
    file_resources[f].first = manifest.resources.size();
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    if (!shards) {
      ranges.emplace_back(0, size);
    } else {
      // Files with zero bytes have no shards (spec 6.3.2; the reference too).
      for (std::uint64_t start = 0; start < size; start += shard_size) {
        ranges.emplace_back(start, std::min<std::uint64_t>(size, start + shard_size));
        if (manifest.resources.size() + ranges.size() > limits.max_manifest_resources) break;
      }
    }
    if (manifest.resources.size() + ranges.size() > limits.max_manifest_resources) {
      return Status::LimitExceeded(model.string() + ": more than " + std::to_string(limits.max_manifest_resources) +
                                   " resources (use a larger shard size)");
    }
    std::optional<std::vector<std::string>> cached;
    if (options.cache != nullptr) {
      cached = options.cache->Lookup(DigestCacheKey{file.name, file.identity, algorithm, shard_size});
      if (cached && cached->size() != ranges.size()) cached.reset();
    }
    for (std::size_t r = 0; r < ranges.size(); ++r) {
      Resource res;
      res.name = shards ? file.name + ":" + std::to_string(ranges[r].first) + ":" + std::to_string(ranges[r].second)
                        : file.name;
      res.algorithm = algorithm;
      if (cached) {
        res.digest = (*cached)[r];
      } else {
        jobs.push_back(Job{f, ranges[r].first, ranges[r].second, manifest.resources.size()});
      }
      manifest.resources.push_back(std::move(res));
    }
    file_resources[f].second = manifest.resources.size();
  }

  // Longest jobs first, so that one big file does not start last.
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const Job& a, const Job& b) { return a.end - a.start > b.end - b.start; });
  unsigned threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  MODELGATE_RETURN_IF_ERROR(RunJobs(files, jobs, KindOf(options.hash), threads, &manifest.resources));

  if (options.cache != nullptr) {
    std::vector<std::string> names;
    names.reserve(files.size());
    for (std::size_t f = 0; f < files.size(); ++f) {
      std::vector<std::string> digests;
      for (std::size_t r = file_resources[f].first; r < file_resources[f].second; ++r) {
        digests.push_back(manifest.resources[r].digest);
      }
      options.cache->Insert(DigestCacheKey{files[f].name, files[f].identity, algorithm, shard_size},
                            std::move(digests));
      names.push_back(files[f].name);
    }
    for (const std::string& w : options.cache->warnings()) manifest.warnings.push_back(w);
  }
  return manifest;
}

ManifestDifference CompareManifests(const Manifest& signed_manifest, const Manifest& actual) {
  // file -> its resources (name, digest), in order
  using Entries = std::vector<std::pair<std::string, std::string>>;
  auto fold = [](const Manifest& m) {
    std::map<std::string, Entries> out;
    for (const Resource& r : m.resources) {
      out[std::string(ResourceFileName(r.name, m.serialization.method))].emplace_back(r.name, r.digest);
    }
    for (auto& [file, entries] : out) std::sort(entries.begin(), entries.end());
    return out;
  };
  const std::map<std::string, Entries> want = fold(signed_manifest);
  const std::map<std::string, Entries> have = fold(actual);
  ManifestDifference diff;
  for (const auto& [file, entries] : want) {
    auto it = have.find(file);
    if (it == have.end()) {
      diff.missing.push_back(file);
    } else if (it->second != entries) {
      diff.changed.push_back(file);
    }
  }
  for (const auto& [file, entries] : have) {
    if (want.find(file) == want.end()) diff.added.push_back(file);
  }
  for (auto* v : {&diff.changed, &diff.added, &diff.missing}) {
    std::sort(v->begin(), v->end(), [](const std::string& a, const std::string& b) { return PathComponentsLess(a, b); });
  }
  return diff;
}

}  // namespace modelgate::provenance
