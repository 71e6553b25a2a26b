// Hashing: streaming digests over OpenSSL EVP and fast hashing of file ranges.
//
// StreamHasher wraps one EVP_MD_CTX (SHA-256 or BLAKE2b-512, the two OMS file
// hash algorithms OpenSSL provides; BLAKE3 has no C library in Debian bookworm
// and is not offered). HashFileRange() digests bytes [offset, offset+length)
// of an open file without copying it: ranges of kHashMapThreshold bytes and
// more are mapped in windows of kHashMapWindow bytes; smaller ones (and any
// range whose mapping is refused) are read with pread() into a per-thread
// buffer.
//
// Mapped reads and truncation: a file truncated while mapped raises SIGBUS
// on the next access to a vanished page. The first mapped hash installs a
// process-wide SIGBUS handler (once) that turns a fault inside the window
// being hashed by the faulting thread into a kIOError "changed while
// hashing"; every other SIGBUS goes to the handler installed before it (or
// the default action). Install your own SIGBUS handler before hashing if you
// need one; it will be chained.
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
  // Update() over mapped memory: false (and the hasher must be discarded)
  // when a page of [data, data+size) vanished under the mapping (SIGBUS).
  bool UpdateGuarded(const unsigned char* data, std::size_t size);
  // The raw digest; the hasher is reset and may be reused afterwards.
  std::string Finish();

 private:
  HashKind kind_;
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// One-shot raw digest of `data`.
std::string HashBytes(HashKind kind, std::string_view data);

// Raw digest of `length` bytes of `fd` starting at `offset` (mapped or read,
// see above). Fails with kIOError naming
// `label` when the OS refuses a read or the file ends before offset+length
// (it changed since it was measured).
Result<std::string> HashFileRange(int fd, std::uint64_t offset, std::uint64_t length, HashKind kind,
                                  std::string_view label);

inline constexpr std::size_t kHashReadChunk = 1u << 20;
inline constexpr std::uint64_t kHashMapThreshold = 4u << 20;
inline constexpr std::uint64_t kHashMapWindow = 64u << 20;

// Lowercase hex of raw bytes, and back (nullopt-like failure: returns false).
std::string HexEncode(std::string_view raw);
bool HexDecode(std::string_view hex, std::string* raw);

}  // namespace modelgate

#endif  // MODELGATE_BASE_HASHING_H_
