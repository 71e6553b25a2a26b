#include "forensics/tensor_source.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "forensics/half_float.h"

namespace modelgate::forensics {

std::string_view DTypeName(DType t) {
  switch (t) {
    case DType::kF32: return "f32";
    case DType::kF16: return "f16";
    case DType::kBF16: return "bf16";
    case DType::kF64: return "f64";
    case DType::kI8: return "i8";
    case DType::kU8: return "u8";
    case DType::kI16: return "i16";
    case DType::kU16: return "u16";
    case DType::kI32: return "i32";
    case DType::kU32: return "u32";
    case DType::kI64: return "i64";
    case DType::kU64: return "u64";
    case DType::kBool: return "bool";
    case DType::kQ8_0: return "q8_0";
    case DType::kQ4_0: return "q4_0";
    case DType::kUnsupported: break;
  }
  return "unsupported";
}

std::uint32_t DTypeSize(DType t) {
  switch (t) {
    case DType::kF64: case DType::kI64: case DType::kU64: return 8;
    case DType::kF32: case DType::kI32: case DType::kU32: return 4;
    case DType::kF16: case DType::kBF16: case DType::kI16: case DType::kU16: return 2;
    case DType::kI8: case DType::kU8: case DType::kBool: return 1;
    case DType::kQ8_0: case DType::kQ4_0: case DType::kUnsupported: break;
  }
  return 0;
}

bool IsFloat(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || t == DType::kF64;
}

std::int64_t TensorSource::Find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

ByteView TensorSource::Adopt(std::unique_ptr<MappedFile> file) {
  ByteView v = file->bytes();
  files_.push_back(std::move(file));
  return v;
}

ByteView TensorSource::Adopt(std::vector<std::uint8_t> buffer) {
  buffers_.push_back(std::make_unique<std::vector<std::uint8_t>>(std::move(buffer)));
  const auto& b = *buffers_.back();
  return ByteView(b.data(), b.size());
}

void TensorSource::Add(TensorInfo t) {
  index_.emplace(t.name, tensors_.size());  // keeps the first of duplicate names
  tensors_.push_back(std::move(t));
}

Status TensorSource::ReadF32(std::size_t i, std::uint64_t first, std::uint64_t count, float* out) const {
  if (i >= tensors_.size()) return Status::InvalidArgument("no tensor #" + std::to_string(i));
  const TensorInfo& t = tensors_[i];
  if (first > t.elements || count > t.elements - first) {
    return Status::InvalidArgument(t.name + ": elements [" + std::to_string(first) + ", +" +
                                   std::to_string(count) + ") out of " + std::to_string(t.elements));
  }
  if (t.encoded.empty() && t.elements > 0) {
    return Status::NotSupported(t.name + ": bytes not available");
  }
  return DecodeToF32(t.dtype, t.big_endian, t.encoded, first, count, out);
}

namespace {

template <typename U>
U ByteSwap(U u) {  // std::byteswap is C++23
  if constexpr (sizeof(U) == 2) return __builtin_bswap16(u);
  if constexpr (sizeof(U) == 4) return __builtin_bswap32(u);
  if constexpr (sizeof(U) == 8) return __builtin_bswap64(u);
  return u;
}

template <typename T>
T LoadScalar(const std::uint8_t* p, bool big_endian) {
  using U = std::conditional_t<sizeof(T) == 1, std::uint8_t,
            std::conditional_t<sizeof(T) == 2, std::uint16_t,
            std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  U u;
  std::memcpy(&u, p, sizeof(U));
  if (big_endian) u = ByteSwap(u);
  return std::bit_cast<T>(u);
}

template <typename T>
void Convert(const std::uint8_t* p, std::uint64_t count, bool big_endian, float* out) {
  for (std::uint64_t k = 0; k < count; ++k) out[k] = static_cast<float>(LoadScalar<T>(p + k * sizeof(T), big_endian));
}

constexpr std::uint64_t kBlock = 32;

// ggml block_q8_0: { ggml_half d; int8_t qs[32]; }  x[j] = qs[j] * d
// ggml block_q4_0: { ggml_half d; uint8_t qs[16]; } x[j] = ((qs[j] & 15) - 8) * d,
//                                                  x[j + 16] = ((qs[j] >> 4) - 8) * d
Status DecodeBlocks(DType dtype, ByteView encoded, std::uint64_t first, std::uint64_t count, float* out) {
  const std::uint64_t block_bytes = dtype == DType::kQ8_0 ? 34 : 18;
  std::uint64_t last;  // exclusive
  // Without this check a wrapped `last` made the block count tiny and the
  // call "succeed" without writing `out`.
  if (__builtin_add_overflow(first, count, &last)) return Status::InvalidArgument("element range overflows");
  // Not (last + kBlock - 1) / kBlock: that wraps for `last` near 2^64 and
  // let a huge range pass the size check and read past `encoded`.
  const std::uint64_t blocks_needed = last / kBlock + (last % kBlock != 0 ? 1 : 0);
  if (blocks_needed > encoded.size() / block_bytes) {
    return Status::Corruption("quantised tensor shorter than its element count");
  }
  for (std::uint64_t e = first; e < last;) {
    const std::uint64_t b = e / kBlock;
    const std::uint8_t* blk = encoded.data() + b * block_bytes;
    const float d = HalfToFloat(LoadScalar<std::uint16_t>(blk, false));
    const std::uint64_t end = std::min(last, (b + 1) * kBlock);
    for (; e < end; ++e) {
      const std::uint64_t j = e % kBlock;
      float q;
      if (dtype == DType::kQ8_0) {
        q = static_cast<float>(static_cast<std::int8_t>(blk[2 + j]));
      } else {
        const std::uint8_t byte = blk[2 + (j & 15)];
        q = static_cast<float>(static_cast<int>(j < 16 ? (byte & 15) : (byte >> 4)) - 8);
      }
      out[e - first] = q * d;
    }
  }
  return Status::Ok();
}

}  // namespace

Status DecodeToF32(DType dtype, bool big_endian, ByteView encoded, std::uint64_t first,
                   std::uint64_t count, float* out) {
  if (count == 0) return Status::Ok();
  if (dtype == DType::kQ8_0 || dtype == DType::kQ4_0) {
    // ggml defines its blocks little-endian only; decoding a byte-swapped
    // block as little-endian would return plausible garbage.
    if (big_endian) return Status::NotSupported("big-endian quantised blocks");
    return DecodeBlocks(dtype, encoded, first, count, out);
  }
  const std::uint32_t size = DTypeSize(dtype);
  if (size == 0) return Status::NotSupported(std::string("dtype ") + std::string(DTypeName(dtype)));
  if (first > encoded.size() / size || count > encoded.size() / size - first) {
    return Status::Corruption("tensor bytes shorter than its element count");
  }
  const std::uint8_t* p = encoded.data() + first * size;
  switch (dtype) {
    case DType::kF32:
      if (!big_endian) {
        std::memcpy(out, p, count * 4);
      } else {
        Convert<float>(p, count, true, out);
      }
      break;
    case DType::kF64: Convert<double>(p, count, big_endian, out); break;
    case DType::kF16:
      for (std::uint64_t k = 0; k < count; ++k) out[k] = HalfToFloat(LoadScalar<std::uint16_t>(p + 2 * k, big_endian));
      break;
    case DType::kBF16:
      for (std::uint64_t k = 0; k < count; ++k) out[k] = BFloat16ToFloat(LoadScalar<std::uint16_t>(p + 2 * k, big_endian));
      break;
    case DType::kI8: Convert<std::int8_t>(p, count, big_endian, out); break;
    case DType::kU8: Convert<std::uint8_t>(p, count, big_endian, out); break;
    case DType::kBool:
      for (std::uint64_t k = 0; k < count; ++k) out[k] = p[k] != 0 ? 1.0f : 0.0f;
      break;
    case DType::kI16: Convert<std::int16_t>(p, count, big_endian, out); break;
    case DType::kU16: Convert<std::uint16_t>(p, count, big_endian, out); break;
    case DType::kI32: Convert<std::int32_t>(p, count, big_endian, out); break;
    case DType::kU32: Convert<std::uint32_t>(p, count, big_endian, out); break;
    case DType::kI64: Convert<std::int64_t>(p, count, big_endian, out); break;
    case DType::kU64: Convert<std::uint64_t>(p, count, big_endian, out); break;
    default: return Status::NotSupported(std::string("dtype ") + std::string(DTypeName(dtype)));
  }
  return Status::Ok();
}

}  // namespace modelgate::forensics
