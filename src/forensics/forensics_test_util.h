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

inline void AddF32(TensorSource* src, const F32Tensor& t) {
  std::vector<std::uint8_t> bytes(t.values.size() * 4);
  if (!bytes.empty()) std::memcpy(bytes.data(), t.values.data(), bytes.size());
  TensorInfo info;
  info.name = t.name;
  info.dtype = DType::kF32;
  info.stored_dtype = "F32";
  info.shape = t.shape;
  info.elements = t.values.size();
  info.file = "memory";
  info.encoded = src->Adopt(std::move(bytes));
  src->Add(std::move(info));
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
  TensorInfo info;
  info.name = t.name;
  info.dtype = DType::kBF16;
  info.stored_dtype = "BF16";
  info.shape = t.shape;
  info.elements = t.values.size();
  info.file = "memory";
  info.encoded = src->Adopt(std::move(bytes));
  src->Add(std::move(info));
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
