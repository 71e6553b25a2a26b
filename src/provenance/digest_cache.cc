#include "provenance/digest_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>
#include <set>
#include <sstream>

#include "base/hashing.h"

namespace modelgate::provenance {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHeader = "modelgate-digest-cache 1";

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t next = text.find(sep, pos);
    parts.push_back(text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) return parts;
    pos = next + 1;
  }
}

bool ParseLine(std::string_view line, DigestCacheKey* key, std::vector<std::string>* digests) {
  const std::vector<std::string_view> f = Split(line, ' ');
  if (f.size() != 9) return false;
  if (!HexDecode(f[0], &key->name) || key->name.empty()) return false;
  if (!ParseNumber(f[1], &key->identity.size) || !ParseNumber(f[2], &key->identity.mtime_ns) ||
      !ParseNumber(f[3], &key->identity.ctime_ns) || !ParseNumber(f[4], &key->identity.inode) ||
      !ParseNumber(f[5], &key->identity.device) || !ParseNumber(f[7], &key->shard_size)) {
    return false;
  }
  key->algorithm = std::string(f[6]);
  if (key->algorithm.empty()) return false;
  digests->clear();
  if (f[8] == "-") return true;  // a sharded empty file has no digests
  for (std::string_view hex : Split(f[8], ',')) {
    std::string raw;
    if (!HexDecode(hex, &raw) || (raw.size() != 32 && raw.size() != 64)) return false;
    digests->push_back(std::move(raw));
  }
  return true;
}

}  // namespace

void DigestCache::Load(const fs::path& path) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
  // O_NONBLOCK + fstat: a FIFO or device at the cache path is refused, not read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT) warnings_.push_back("digest cache " + path.string() + " ignored: " + std::strerror(errno));
    return;  // no cache yet
  }
  auto corrupt = [&](const std::string& why) {
    entries_.clear();
    warnings_.push_back("digest cache " + path.string() + " ignored: " + why);
  };
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > kMaxFileBytes) {
    ::close(fd);
    return corrupt("not a regular file of at most 1 GiB");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got != text.size()) return corrupt("short read");

  // The trailer covers every byte before it: a truncated or edited cache is
  // dropped as a whole.
  const std::size_t trailer = text.rfind("\nsha256 ");
  if (trailer == std::string::npos || text.back() != '\n') return corrupt("no checksum line");
  const std::string_view body(text.data(), trailer + 1);
  std::string_view sum(text);
  sum = sum.substr(trailer + 8);
  sum.remove_suffix(1);
  if (sum != HexEncode(HashBytes(HashKind::kSha256, body))) return corrupt("checksum mismatch");

  std::vector<std::string_view> lines = Split(body, '\n');
  if (lines.empty() || lines.front() != kHeader) return corrupt("unknown header");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    DigestCacheKey key;
    std::vector<std::string> digests;
    if (!ParseLine(lines[i], &key, &digests)) return corrupt("malformed line " + std::to_string(i + 1));
    entries_[std::move(key)] = std::move(digests);
  }
}

Status DigestCache::Save(const fs::path& path) const {
  std::ostringstream out;
  out << kHeader << '\n';
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, digests] : entries_) {
      out << HexEncode(key.name) << ' ' << key.identity.size << ' ' << key.identity.mtime_ns << ' '
          << key.identity.ctime_ns << ' ' << key.identity.inode << ' ' << key.identity.device << ' ' << key.algorithm
          << ' ' << key.shard_size << ' ';
      if (digests.empty()) out << '-';
      for (std::size_t i = 0; i < digests.size(); ++i) out << (i ? "," : "") << HexEncode(digests[i]);
      out << '\n';
    }
  }
  std::string text = out.str();
  text += "sha256 " + HexEncode(HashBytes(HashKind::kSha256, text)) + "\n";

  const fs::path tmp = path.string() + ".tmp." + std::to_string(getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::IOError(tmp.string() + ": cannot create: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::IOError(tmp.string() + ": write failed: " + err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError(tmp.string() + ": cannot flush: " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Status::IOError(path.string() + ": cannot replace: " + err);
  }
  return Status::Ok();
}

std::optional<std::vector<std::string>> DigestCache::Lookup(const DigestCacheKey& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  ++hits_;
  return it->second;
}

void DigestCache::Insert(const DigestCacheKey& key, std::vector<std::string> digests) {
  std::lock_guard<std::mutex> lock(mu_);
  // One entry per (name, algorithm, shard size): a changed file replaces its
  // stale entry instead of accumulating.
  DigestCacheKey first{key.name, FileIdentity{0, INT64_MIN, INT64_MIN, 0, 0}, "", 0};
  for (auto it = entries_.lower_bound(first); it != entries_.end() && it->first.name == key.name;) {
    if (it->first.algorithm == key.algorithm && it->first.shard_size == key.shard_size) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  entries_[key] = std::move(digests);
}

void DigestCache::RetainOnly(const std::vector<std::string>& names) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::set<std::string> keep(names.begin(), names.end());
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = keep.count(it->first.name) ? std::next(it) : entries_.erase(it);
  }
}

std::size_t DigestCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

std::size_t DigestCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

}  // namespace modelgate::provenance
