#include "forensics/byte_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace modelgate::forensics {
namespace {

TEST(LaneHistogram, EntropyAndChiSquareOfKnownDistributions) {
  LaneHistogram h;
  for (int c = 0; c < 256; ++c) h.counts[c] = 4;
  h.total = 1024;
  EXPECT_DOUBLE_EQ(h.EntropyBits(), 8.0);
  EXPECT_DOUBLE_EQ(h.ChiSquareUniform(), 0.0);
  EXPECT_NEAR(h.PrintableFraction(), 98.0 / 256.0, 1e-12);  // 0x20..0x7e, \t \n \r

  LaneHistogram two;
  two.counts[0] = 50;
  two.counts[1] = 50;
  two.total = 100;
  EXPECT_DOUBLE_EQ(two.EntropyBits(), 1.0);
  // Two bins at 50, 254 at 0, expected 100/256 each.
  double e = 100.0 / 256.0;
  EXPECT_NEAR(two.ChiSquareUniform(), 2 * (50 - e) * (50 - e) / e + 254 * e, 1e-9);
}

TEST(ZlibRatio, RandomStaysNearOneTextCompresses) {
  std::mt19937 rng(3);
  std::vector<std::uint8_t> random(65536);
  for (auto& b : random) b = static_cast<std::uint8_t>(rng());
  EXPECT_GT(ZlibRatio(random), 0.99);
  std::vector<std::uint8_t> zeros(65536, 0);
  EXPECT_LT(ZlibRatio(zeros), 0.05);
  EXPECT_EQ(ZlibRatio({}), 1.0);
}

TEST(ValueMoments, MatchesTwoPassFormulas) {
  std::mt19937 rng(11);
  std::student_t_distribution<float> dist(5.0f);
  std::vector<float> v(100000);
  for (auto& x : v) x = 3.0f + 0.1f * dist(rng);
  v[5] = NAN;  // skipped
  ValueMoments m;
  m.Add(v.data(), 60000);
  m.Add(v.data() + 60000, v.size() - 60000);
  double sum = 0, n = 0, mn = INFINITY, mx = -INFINITY;
  for (float x : v) {
    if (std::isnan(x)) continue;
    sum += x, ++n, mn = std::min<double>(mn, x), mx = std::max<double>(mx, x);
  }
  double mean = sum / n, m2 = 0, m4 = 0;
  for (float x : v) {
    if (std::isnan(x)) continue;
    double d = x - mean;
    m2 += d * d, m4 += d * d * d * d;
  }
  m2 /= n, m4 /= n;
  EXPECT_EQ(m.count(), 99999u);
  EXPECT_NEAR(m.mean(), mean, 1e-9);
  EXPECT_NEAR(m.stddev(), std::sqrt(m2), 1e-9);
  EXPECT_NEAR(m.excess_kurtosis(), m4 / (m2 * m2) - 3, 1e-6);
  EXPECT_EQ(m.min(), mn);
  EXPECT_EQ(m.max(), mx);
}

}  // namespace
}  // namespace modelgate::forensics
