// Test support: compares a TensorSource with tests/fixtures/forensics/formats/
// expected.json, whose values numpy computed when the fixtures were written
// (scripts/fixtures/tensor_formats.py). Header-only, tests only.
#ifndef MODELGATE_FORENSICS_TENSOR_EXPECTATIONS_TEST_UTIL_H_
#define MODELGATE_FORENSICS_TENSOR_EXPECTATIONS_TEST_UTIL_H_

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "forensics/tensor_source.h"

namespace modelgate::forensics::testing {

inline std::string FormatsDir() { return std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/forensics/formats/"; }

inline const nlohmann::json& Expected() {
  static const nlohmann::json doc = [] {
    std::ifstream in(FormatsDir() + "expected.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::json::parse(ss.str());
  }();
  return doc;
}

inline std::unique_ptr<TensorSource> MustOpen(const std::string& rel) {
  Result<std::unique_ptr<TensorSource>> r = OpenTensors(FormatsDir() + rel, Limits::Default());
  EXPECT_TRUE(r.ok()) << rel << ": " << r.status().ToString();
  return r.ok() ? std::move(r).value() : std::make_unique<TensorSource>();
}

inline std::string Problems(const TensorSource& s) {
  std::string all;
  for (const TensorProblem& p : s.problems()) all += p.file + " [" + p.tensor + "] " + p.message + "\n";
  return all;
}

// Tolerance: 1e-6 relative to the sum of magnitudes (sums of signed values
// can cancel to near zero).
inline void ExpectClose(double got, double want, double scale, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), 1e-6 * std::max(1.0, scale)) << what << ": got " << got << ", numpy " << want;
}

// Every tensor numpy recorded for `key` is in `s` with the recorded dtype,
// shape and values; decoded in odd-sized chunks so block boundaries of
// quantised types fall inside chunks.
inline void ExpectMatchesNumpy(const TensorSource& s, const std::string& key) {
  ASSERT_TRUE(Expected().contains(key)) << key;
  const nlohmann::json& tensors = Expected()[key];
  for (auto it = tensors.begin(); it != tensors.end(); ++it) {
    const std::string what = key + ":" + it.key();
    const std::int64_t i = s.Find(it.key());
    ASSERT_GE(i, 0) << what << " not found\n" << Problems(s);
    const TensorInfo& t = s.tensors()[static_cast<std::size_t>(i)];
    EXPECT_EQ(std::string(DTypeName(t.dtype)), it.value()["dtype"].get<std::string>()) << what;
    EXPECT_EQ(t.shape, it.value()["shape"].get<std::vector<std::uint64_t>>()) << what;
    std::vector<float> chunk(37);
    double sum = 0, sum_sq = 0;
    std::vector<double> first8;
    for (std::uint64_t e = 0; e < t.elements; e += chunk.size()) {
      const std::uint64_t n = std::min<std::uint64_t>(chunk.size(), t.elements - e);
      Status st = s.ReadF32(static_cast<std::size_t>(i), e, n, chunk.data());
      ASSERT_TRUE(st.ok()) << what << ": " << st.ToString();
      for (std::uint64_t k = 0; k < n; ++k) {
        sum += chunk[k];
        sum_sq += static_cast<double>(chunk[k]) * chunk[k];
        if (first8.size() < 8) first8.push_back(chunk[k]);
      }
    }
    const double scale = it.value()["sum_abs"].get<double>();
    ExpectClose(sum, it.value()["sum"].get<double>(), scale, what + " sum");
    ExpectClose(sum_sq, it.value()["sum_sq"].get<double>(), it.value()["sum_sq"].get<double>(), what + " sum_sq");
    const std::vector<double> want8 = it.value()["first8"].get<std::vector<double>>();
    ASSERT_EQ(first8.size(), want8.size()) << what;
    for (std::size_t k = 0; k < want8.size(); ++k) {
      ExpectClose(first8[k], want8[k], std::fabs(want8[k]), what + " value " + std::to_string(k));
    }
  }
}

// True when some problem of `s` concerns `tensor` (any, when empty) and its
// message contains `needle`.
inline bool HasProblem(const TensorSource& s, const std::string& needle, const std::string& tensor = "") {
  for (const TensorProblem& p : s.problems()) {
    if ((tensor.empty() || p.tensor == tensor) && p.message.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace modelgate::forensics::testing

#endif  // MODELGATE_FORENSICS_TENSOR_EXPECTATIONS_TEST_UTIL_H_
