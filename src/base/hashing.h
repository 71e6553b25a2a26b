// Hashing: streaming digests over OpenSSL EVP and fast hashing of file ranges.
//
// StreamHasher wraps one EVP_MD_CTX (SHA-256 or BLAKE2b-512, the two OMS file
// hash algorithms OpenSSL provides; BLAKE3 has no C library in Debian bookworm
// and is not offered). HashFileRange() digests bytes [offset, offset+length)
// of an open file with large pread() calls into a per-thread buffer: no
// mapping (a file truncated under a mapping would raise SIGBUS) and no copy
// of the file beyond that buffer.
//
// Thread safety: a StreamHasher is used by one thread at a time; the free
// functions are reentrant.
#ifndef MODELGATE_BASE_HASHING_H_
#define MODELGATE_BASE_HASHING_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "modelgate/status.h"

namespace modelgate {

enum class HashKind { kSha256, kBlake2b512 };

// Digest length in bytes: 32 for SHA-256, 64 for BLAKE2b-512.
std::size_t DigestSize(HashKind kind);

class StreamHasher {
 public:
  explicit StreamHasher(HashKind kind);
  ~StreamHasher();
  StreamHasher(const StreamHasher&) = delete;
  StreamHasher& operator=(const StreamHasher&) = delete;

  void Update(const void* data, std::size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // The raw digest; the hasher is reset and may be reused afterwards.
  std::string Finish();

 private:
  HashKind kind_;
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// One-shot raw digest of `data`.
std::string HashBytes(HashKind kind, std::string_view data);

// Raw digest of `length` bytes of `fd` starting at `offset`. Reads with
// pread() in chunks of kHashReadChunk bytes. Fails with kIOError naming
// `label` when the OS refuses a read or the file ends before offset+length
// (it changed since it was measured).
Result<std::string> HashFileRange(int fd, std::uint64_t offset, std::uint64_t length, HashKind kind,
                                  std::string_view label);

inline constexpr std::size_t kHashReadChunk = 1u << 20;

// Lowercase hex of raw bytes, and back (nullopt-like failure: returns false).
std::string HexEncode(std::string_view raw);
bool HexDecode(std::string_view hex, std::string* raw);

}  // namespace modelgate

#endif  // MODELGATE_BASE_HASHING_H_
