#include "base/hashing.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace modelgate {

namespace {

const EVP_MD* Md(HashKind kind) {
  // The implicit (non-fetched) EVP_MDs are cached by OpenSSL: no per-use
  // provider lookup.
  return kind == HashKind::kSha256 ? EVP_sha256() : EVP_blake2b512();
}

}  // namespace

std::size_t DigestSize(HashKind kind) { return kind == HashKind::kSha256 ? 32 : 64; }

struct StreamHasher::Ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(ctx); }
};

StreamHasher::StreamHasher(HashKind kind) : kind_(kind), ctx_(std::make_unique<Ctx>()) {
  EVP_DigestInit_ex(ctx_->ctx, Md(kind_), nullptr);
}

StreamHasher::~StreamHasher() = default;

void StreamHasher::Update(const void* data, std::size_t size) {
  if (size > 0) EVP_DigestUpdate(ctx_->ctx, data, size);
}

std::string StreamHasher::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->ctx, out, &len);
  EVP_DigestInit_ex(ctx_->ctx, Md(kind_), nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string HashBytes(HashKind kind, std::string_view data) {
  StreamHasher h(kind);
  h.Update(data);
  return h.Finish();
}

Result<std::string> HashFileRange(int fd, std::uint64_t offset, std::uint64_t length, HashKind kind,
                                  std::string_view label) {
  // One buffer per thread, reused across ranges: the pool threads hash many
  // shards and the buffer stays warm in cache.
  thread_local std::vector<unsigned char> buffer(kHashReadChunk);
  StreamHasher hasher(kind);
  std::uint64_t done = 0;
  while (done < length) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(length - done, buffer.size()));
    const ssize_t got = pread(fd, buffer.data(), want, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string(label) + ": read failed: " + std::strerror(errno));
    }
    if (got == 0) {
      return Status::IOError(std::string(label) + ": file ended at byte " + std::to_string(offset + done) +
                             " (expected " + std::to_string(offset + length) + "); it changed while hashing");
    }
    hasher.Update(buffer.data(), static_cast<std::size_t>(got));
    done += static_cast<std::uint64_t>(got);
  }
  return hasher.Finish();
}

std::string HexEncode(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(raw.size() * 2, '\0');
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto b = static_cast<unsigned char>(raw[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xF];
  }
  return out;
}

bool HexDecode(std::string_view hex, std::string* raw) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  *raw = std::move(out);
  return true;
}

}  // namespace modelgate
