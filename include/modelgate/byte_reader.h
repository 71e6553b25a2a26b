// ByteReader: the one checked reader through which every parser in modelgate
// reads untrusted bytes.
//
// All multi-byte integers are decoded explicitly (little- or big-endian, never
// by casting pointers), and every read first checks `n <= remaining()` so no
// arithmetic on attacker-supplied lengths can overflow. A failed read returns
// false and leaves the position unchanged, so callers can report the exact
// offset at which the input ran out.
//
// A ByteReader borrows its bytes: the caller keeps the underlying buffer
// alive for as long as the reader, and any ByteView it hands out, is used.
// Copyable and cheap (two words and a position).
#ifndef MODELGATE_BYTE_READER_H_
#define MODELGATE_BYTE_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace modelgate {

// A borrowed, read-only run of bytes.
using ByteView = std::span<const std::uint8_t>;

inline std::string_view AsStringView(ByteView v) {
  return std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
}
inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(ByteView data) : data_(data) {}

  std::size_t size() const { return data_.size(); }
  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  ByteView data() const { return data_; }
  // The unread bytes.
  ByteView rest() const { return data_.subspan(pos_); }

  // Moves to absolute offset `pos`. Returns false (and does not move) when
  // pos > size().
  bool Seek(std::uint64_t pos) {
    if (pos > data_.size()) return false;
    pos_ = static_cast<std::size_t>(pos);
    return true;
  }
  bool Skip(std::uint64_t n) {
    if (n > remaining()) return false;
    pos_ += static_cast<std::size_t>(n);
    return true;
  }

  bool PeekU8(std::uint8_t* out) const {
    if (remaining() < 1) return false;
    *out = data_[pos_];
    return true;
  }
  [[gnu::always_inline]] bool ReadU8(std::uint8_t* out) {
    if (!PeekU8(out)) return false;
    ++pos_;
    return true;
  }
  bool ReadU16LE(std::uint16_t* out) { return ReadLE(out); }
  bool ReadU32LE(std::uint32_t* out) { return ReadLE(out); }
  bool ReadU64LE(std::uint64_t* out) { return ReadLE(out); }
  bool ReadU16BE(std::uint16_t* out) { return ReadBE(out); }
  bool ReadU32BE(std::uint32_t* out) { return ReadBE(out); }
  [[gnu::always_inline]] bool ReadI32LE(std::int32_t* out) {
    std::uint32_t u;
    if (!ReadLE(&u)) return false;
    *out = static_cast<std::int32_t>(u);
    return true;
  }

  // Hands out a view of the next n bytes (borrowed from the same buffer).
  [[gnu::always_inline]] bool ReadBytes(std::uint64_t n, ByteView* out) {
    if (n > remaining()) return false;
    *out = data_.subspan(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return true;
  }
  // Reads through the next '\n' (inclusive); *out excludes the newline.
  // Returns false when no newline is found within `max_len` bytes.
  bool ReadLine(ByteView* out, std::size_t max_len);

 private:
  // Always inlined: these sit inside the pickle machine's per-opcode loop,
  // which is too large for the compiler's own inlining heuristics.
  template <typename T>
  [[gnu::always_inline]] bool ReadLE(T* out) {
    if (remaining() < sizeof(T)) return false;
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(data_[pos_ + i]) << (8 * i);
    pos_ += sizeof(T);
    *out = v;
    return true;
  }
  template <typename T>
  bool ReadBE(T* out) {
    if (remaining() < sizeof(T)) return false;
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | data_[pos_ + i]);
    pos_ += sizeof(T);
    *out = v;
    return true;
  }

  ByteView data_;
  std::size_t pos_ = 0;
};

// Little-endian loads from a view already known to hold enough bytes.
// REQUIRES: off + sizeof(T) <= v.size() (callers check through ByteReader or
// an explicit comparison first).
std::uint16_t LoadU16LE(ByteView v, std::size_t off);
std::uint32_t LoadU32LE(ByteView v, std::size_t off);
std::uint64_t LoadU64LE(ByteView v, std::size_t off);

}  // namespace modelgate

#endif  // MODELGATE_BYTE_READER_H_
