// DigestCache: opt-in memory of file digests, so that re-signing an
// unchanged 100 GB model does not read it again.
//
// An entry maps (relative name, size, mtime_ns, ctime_ns, inode, device,
// algorithm, shard size) to the file's digests (one for "files", one per
// shard for "shards"). A hit therefore TRUSTS the file system's metadata: a
// file rewritten with identical size whose mtime and ctime were both restored
// (which needs root or a clock change) would keep its old digest. That is
// why the cache is opt-in, meant for the signer's own working copy, and never
// used by verification unless the caller asks explicitly.
//
// The file format is text, one entry a line, ending with a SHA-256 of
// everything before it:
//   modelgate-digest-cache 1
//   <hex name> <size> <mtime_ns> <ctime_ns> <inode> <device> <algorithm> <shard_size> <hex digest>[,<hex digest>...]
//   sha256 <hex of the lines above>
// Load() of a missing file gives an empty cache; a corrupt or truncated file
// gives an empty cache and a warning: it is never partly trusted. Save()
// writes a temporary file beside the target and renames it (atomic).
//
// Thread safety: Lookup() and Insert() may be called concurrently (internal
// mutex); Load() and Save() must not race with them.
#ifndef MODELGATE_PROVENANCE_DIGEST_CACHE_H_
#define MODELGATE_PROVENANCE_DIGEST_CACHE_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "modelgate/status.h"
#include "provenance/model_walk.h"

namespace modelgate::provenance {

struct DigestCacheKey {
  std::string name;
  FileIdentity identity;
  std::string algorithm;      // resource algorithm ("sha256", "sha256-sharded-1000")
  std::uint64_t shard_size;   // 0 for "files"

  auto Tie() const {
    return std::tie(name, identity.size, identity.mtime_ns, identity.ctime_ns, identity.inode, identity.device,
                    algorithm, shard_size);
  }
  bool operator<(const DigestCacheKey& o) const { return Tie() < o.Tie(); }
};

class DigestCache {
 public:
  DigestCache() = default;
  DigestCache(const DigestCache&) = delete;
  DigestCache& operator=(const DigestCache&) = delete;

  // Replaces the contents with those of `path`. Never fails: a missing file
  // leaves the cache empty; a corrupt one too, with a warnings() entry.
  void Load(const std::filesystem::path& path);
  // Writes atomically (temporary file + rename). kIOError naming the path.
  Status Save(const std::filesystem::path& path) const;

  // Raw digests recorded for `key` (one per shard), or nullopt.
  std::optional<std::vector<std::string>> Lookup(const DigestCacheKey& key) const;
  void Insert(const DigestCacheKey& key, std::vector<std::string> digests);
  // Keeps only entries whose names are in `names` (drops files that left).
  void RetainOnly(const std::vector<std::string>& names);

  std::size_t size() const;
  std::size_t hits() const;
  const std::vector<std::string>& warnings() const { return warnings_; }

  static constexpr std::size_t kMaxFileBytes = 1u << 30;  // refuse larger caches

 private:
  mutable std::mutex mu_;
  std::map<DigestCacheKey, std::vector<std::string>> entries_;
  mutable std::size_t hits_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_DIGEST_CACHE_H_
