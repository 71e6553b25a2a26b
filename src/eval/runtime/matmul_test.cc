// Both matrix kernels against a double-precision product computed here, on
// shapes that exercise every remainder (rows of x not a multiple of 3,
// columns not a multiple of 4 or of the 64-row task, `in` not a multiple of 8).
#include "eval/runtime/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "eval/runtime/matmul_kernels.h"

namespace modelgate::eval {
namespace {

struct Product {
  std::size_t n, out, in;
  std::vector<float> x, w, bias;
  std::vector<double> expected;
};

Product Make(std::size_t n, std::size_t out, std::size_t in) {
  Product p{n, out, in, std::vector<float>(n * in), std::vector<float>(out * in), std::vector<float>(out), {}};
  std::mt19937_64 rng(n * 1000 + out + in);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& v : p.x) v = u(rng);
  for (float& v : p.w) v = u(rng);
  for (float& v : p.bias) v = u(rng);
  p.expected.resize(n * out);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t o = 0; o < out; ++o) {
      double s = p.bias[o];
      for (std::size_t i = 0; i < in; ++i) s += static_cast<double>(p.x[r * in + i]) * p.w[o * in + i];
      p.expected[r * out + o] = s;
    }
  }
  return p;
}

void ExpectClose(const std::vector<float>& y, const Product& p) {
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], p.expected[i], 1e-4) << i;
}

TEST(MatMul, KernelsMatchADoubleProduct) {
  for (auto [n, out, in] : {std::tuple{1, 5, 3}, {4, 70, 37}, {7, 131, 64}, {2, 64, 200}}) {
    const Product p = Make(n, out, in);
    std::vector<float> y(n * out);
    kernels::MatMulBlockEigen(p.x.data(), n, p.w.data(), out, p.in, p.bias.data(), y.data(), 0, out);
    ExpectClose(y, p);
    if (kernels::HaveAvx2()) {
      std::fill(y.begin(), y.end(), 0.0f);
      kernels::MatMulBlockAvx2(p.x.data(), n, p.w.data(), out, p.in, p.bias.data(), y.data(), 0, out);
      ExpectClose(y, p);
    }
  }
}

TEST(MatMul, ThreadsAndBatchRowsDoNotChangeResults) {
  const Product p = Make(7, 300, 520);  // 7 * 300 * 520 multiply-adds: runs on the pool
  ThreadPool one(1), two(2);
  std::vector<float> a(7 * 300), b(7 * 300), row(300);
  MatMulTransposed(one, p.x.data(), 7, p.w.data(), 300, 520, p.bias.data(), a.data());
  MatMulTransposed(two, p.x.data(), 7, p.w.data(), 300, 520, p.bias.data(), b.data());
  EXPECT_EQ(a, b);
  ExpectClose(a, p);
  // Row 5 alone (a 1-row block instead of part of a 3-row block): same bits.
  MatMulTransposed(one, p.x.data() + 5 * 520, 1, p.w.data(), 300, 520, p.bias.data(), row.data());
  EXPECT_EQ(row, std::vector<float>(a.begin() + 5 * 300, a.begin() + 6 * 300));
}

}  // namespace
}  // namespace modelgate::eval
