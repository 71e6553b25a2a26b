// Test helpers: in-memory tensor sources for the forensics tests.
#ifndef MODELGATE_FORENSICS_FORENSICS_TEST_UTIL_H_
#define MODELGATE_FORENSICS_FORENSICS_TEST_UTIL_H_

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "forensics/tensor_source.h"

namespace modelgate::forensics::testing {

// A named f32 tensor (row-major values).
struct F32Tensor {
  std::string name;
  std::vector<std::uint64_t> shape;
  std::vector<float> values;
};

// Adds `t` encoded as `bytes` (dtype `dtype`) to `src`.
inline void AddEncoded(TensorSource* src, const F32Tensor& t, DType dtype, std::vector<std::uint8_t> bytes) {
  TensorInfo info;
  info.name = t.name;
  info.dtype = dtype;
  info.stored_dtype = std::string(DTypeName(dtype));
  info.shape = t.shape;
  info.elements = t.values.size();
  info.file = "memory";
  info.encoded = src->Adopt(std::move(bytes));
  src->Add(std::move(info));
}

inline void AddF32(TensorSource* src, const F32Tensor& t) {
  std::vector<std::uint8_t> bytes(t.values.size() * 4);
  if (!bytes.empty()) std::memcpy(bytes.data(), t.values.data(), bytes.size());
  AddEncoded(src, t, DType::kF32, std::move(bytes));
}

// The same tensor stored as bfloat16 (round to nearest even).
inline void AddBF16(TensorSource* src, const F32Tensor& t) {
  std::vector<std::uint8_t> bytes(t.values.size() * 2);
  for (std::size_t i = 0; i < t.values.size(); ++i) {
    std::uint32_t u;
    std::memcpy(&u, &t.values[i], 4);
    u += 0x7fffu + ((u >> 16) & 1u);
    const std::uint16_t h = static_cast<std::uint16_t>(u >> 16);
    std::memcpy(bytes.data() + 2 * i, &h, 2);
  }
  AddEncoded(src, t, DType::kBF16, std::move(bytes));
}

inline std::vector<float> Gaussian(std::size_t n, float scale, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

}  // namespace modelgate::forensics::testing

#endif  // MODELGATE_FORENSICS_FORENSICS_TEST_UTIL_H_
