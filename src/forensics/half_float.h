// IEEE 754 binary16 and bfloat16 to binary32, without hardware support
// (the build targets baseline x86-64, which has no F16C).
#ifndef MODELGATE_FORENSICS_HALF_FLOAT_H_
#define MODELGATE_FORENSICS_HALF_FLOAT_H_

#include <bit>
#include <cstdint>

namespace modelgate::forensics {

// bfloat16 is the top half of a binary32: exact.
inline float BFloat16ToFloat(std::uint16_t h) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

// binary16 -> binary32, exact for every input (subnormals, Inf, NaN payloads).
inline float HalfToFloat(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // Inf / NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;  // +-0
  } else {
    // Subnormal: normalise.
    std::uint32_t e = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_HALF_FLOAT_H_
