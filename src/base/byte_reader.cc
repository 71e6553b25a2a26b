#include "modelgate/byte_reader.h"

#include <algorithm>
#include <cstring>

namespace modelgate {

bool ByteReader::ReadLine(ByteView* out, std::size_t max_len) {
  std::size_t window = std::min(remaining(), max_len);
  const std::uint8_t* start = data_.data() + pos_;
  const void* nl = window ? std::memchr(start, '\n', window) : nullptr;
  if (nl == nullptr) return false;
  std::size_t len = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - start);
  *out = data_.subspan(pos_, len);
  pos_ += len + 1;
  return true;
}

namespace {
template <typename T>
T LoadLE(ByteView v, std::size_t off) {
  T r = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) r |= static_cast<T>(v[off + i]) << (8 * i);
  return r;
}
}  // namespace

std::uint16_t LoadU16LE(ByteView v, std::size_t off) { return LoadLE<std::uint16_t>(v, off); }
std::uint32_t LoadU32LE(ByteView v, std::size_t off) { return LoadLE<std::uint32_t>(v, off); }
std::uint64_t LoadU64LE(ByteView v, std::size_t off) { return LoadLE<std::uint64_t>(v, off); }

}  // namespace modelgate
