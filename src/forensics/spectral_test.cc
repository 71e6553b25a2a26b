#include "forensics/spectral.h"

#include <cmath>
#include <vector>

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include "forensics/forensics_test_util.h"

namespace modelgate::forensics {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A rows x cols matrix of exact rank r with singular values 2^-i (i < r).
RowMatrix LowRank(int rows, int cols, int r, std::uint64_t seed) {
  auto u = testing::Gaussian(static_cast<std::size_t>(rows) * r, 1, seed);
  auto v = testing::Gaussian(static_cast<std::size_t>(cols) * r, 1, seed + 1);
  Eigen::MatrixXf U = Eigen::Map<Eigen::MatrixXf>(u.data(), rows, r).householderQr().householderQ() *
                      Eigen::MatrixXf::Identity(rows, r);
  Eigen::MatrixXf V = Eigen::Map<Eigen::MatrixXf>(v.data(), cols, r).householderQr().householderQ() *
                      Eigen::MatrixXf::Identity(cols, r);
  Eigen::VectorXf s(r);
  for (int i = 0; i < r; ++i) s(i) = std::ldexp(1.0f, -i);
  return U * s.asDiagonal() * V.transpose();
}

TEST(SpectralTest, RandomisedMatchesExactSingularValuesOfLowRankChange) {
  RowMatrix a = LowRank(400, 300, 6, 7);
  const double energy = a.squaredNorm();
  Spectrum s = AnalyseSpectrum(a.data(), 400, 300, energy);
  ASSERT_FALSE(s.exact);  // 300 > exact_below
  Eigen::BDCSVD<Eigen::MatrixXf> svd(a);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(s.singular_values[i], svd.singularValues()(i), 1e-4) << i;
  EXPECT_EQ(s.numerical_rank, 6u);
  EXPECT_FALSE(s.rank_capped);
  // Energies 1, 1/4, 1/16 ...: top-1 share = 1 / (sum of 4^-i).
  double total = 0;
  for (int i = 0; i < 6; ++i) total += std::ldexp(1.0, -2 * i);
  EXPECT_NEAR(s.top1_energy, 1.0 / total, 1e-4);
  EXPECT_EQ(s.energy_rank90, 2u);  // 1 + 1/4 = 0.9375 of 1.333
  EXPECT_EQ(s.energy_rank99, 4u);
}

TEST(SpectralTest, RankOneChangeHasAllEnergyInOneDirection) {
  RowMatrix a = LowRank(64, 256, 1, 3);
  Spectrum s = AnalyseSpectrum(a.data(), 64, 256, a.squaredNorm());
  EXPECT_TRUE(s.exact);
  EXPECT_NEAR(s.top1_energy, 1.0, 1e-5);
  EXPECT_EQ(s.energy_rank99, 1u);
  EXPECT_NEAR(s.stable_rank, 1.0, 1e-4);
  EXPECT_NEAR(s.effective_rank, 1.0, 1e-3);
}

TEST(SpectralTest, NoiseSpreadsEnergyBeyondTheSketch) {
  auto v = testing::Gaussian(512 * 512, 1, 11);
  double energy = 0;
  for (float x : v) energy += static_cast<double>(x) * x;
  Spectrum s = AnalyseSpectrum(v.data(), 512, 512, energy);
  EXPECT_LT(s.top1_energy, 0.02);
  EXPECT_EQ(s.energy_rank99, 0u);  // the sketch never reaches 99%
  EXPECT_TRUE(s.rank_capped);
  EXPECT_GT(s.stable_rank, 50);
}

}  // namespace
}  // namespace modelgate::forensics
