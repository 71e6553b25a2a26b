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

// binary32 -> bfloat16 bits, round to nearest even (as torch's .to(bfloat16)).
inline std::uint16_t FloatToBFloat16(float f) {
  std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

// binary32 -> binary16 bits, round to nearest even (as numpy's astype(float16)).
inline std::uint16_t FloatToHalf(float f) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const std::uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u);  // NaN
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to Inf
  if (abs < 0x38800000u) {
    // Subnormal or zero in binary16: add 0.5 (as a float) so the hardware
    // rounds the mantissa to nearest even at the right position.
    const float shifted = std::bit_cast<float>(abs) + 0.5f;
    return static_cast<std::uint16_t>(sign | (std::bit_cast<std::uint32_t>(shifted) - 0x3f000000u));
  }
  std::uint32_t m = abs - 0x38000000u;          // rebias exponent 127 -> 15
  m += 0xfffu + ((m >> 13) & 1u);               // round to nearest even at bit 13
  return static_cast<std::uint16_t>(sign | (m >> 13));
}

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_HALF_FLOAT_H_
