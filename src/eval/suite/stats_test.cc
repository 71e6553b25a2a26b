// Statistics against SciPy (tests/fixtures/eval/stats_reference.json, from
// scripts/fixtures/eval_stats.py) and against published textbook values.
#include "eval/suite/stats.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace modelgate::eval {
namespace {

nlohmann::json Reference() {
  std::ifstream in(std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/eval/stats_reference.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

TEST(EvalStats, NormalQuantileMatchesScipyTo1e9) {
  const nlohmann::json ref = Reference();
  ASSERT_GE(ref["normal_quantile"].size(), 20u);
  for (const auto& c : ref["normal_quantile"]) {
    const double p = c["p"], x = c["x"];
    EXPECT_NEAR(NormalQuantile(p), x, 1e-9 * std::max(1.0, std::fabs(x))) << "p=" << p;
  }
}

TEST(EvalStats, NormalQuantileEdges) {
  EXPECT_EQ(NormalQuantile(0.5), 0.0);
  EXPECT_TRUE(std::isinf(NormalQuantile(0.0)) && NormalQuantile(0.0) < 0);
  EXPECT_TRUE(std::isinf(NormalQuantile(1.0)) && NormalQuantile(1.0) > 0);
  EXPECT_TRUE(std::isnan(NormalQuantile(-0.1)));
  // The familiar 1.959964 of a 95% interval.
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-12);
}

TEST(EvalStats, WilsonMatchesScipyFormula) {
  const nlohmann::json ref = Reference();
  for (const auto& c : ref["wilson"]) {
    const Interval ci = WilsonInterval(c["k"], c["n"], c["level"]);
    EXPECT_NEAR(ci.low, c["low"].get<double>(), 1e-12) << c.dump();
    EXPECT_NEAR(ci.high, c["high"].get<double>(), 1e-12) << c.dump();
  }
}

TEST(EvalStats, WilsonMatchesNewcombe1998) {
  // Newcombe, "Two-sided confidence intervals for the single proportion",
  // Statistics in Medicine 17 (1998), Table II, method 3 (score interval).
  Interval a = WilsonInterval(81, 263);
  EXPECT_NEAR(a.low, 0.2553, 5e-5);
  EXPECT_NEAR(a.high, 0.3662, 5e-5);
  Interval b = WilsonInterval(15, 148);
  EXPECT_NEAR(b.low, 0.0624, 5e-5);
  EXPECT_NEAR(b.high, 0.1605, 5e-5);
  Interval c = WilsonInterval(0, 20);
  EXPECT_EQ(c.low, 0.0);
  EXPECT_NEAR(c.high, 0.1611, 5e-5);
  Interval d = WilsonInterval(1, 29);
  EXPECT_NEAR(d.low, 0.0061, 5e-5);
  EXPECT_NEAR(d.high, 0.1718, 5e-5);
}

TEST(EvalStats, WilsonBoundaries) {
  Interval none = WilsonInterval(0, 0);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_EQ(none.high, 1.0);
  Interval all = WilsonInterval(10, 10);
  EXPECT_EQ(all.high, 1.0);
  EXPECT_LT(all.low, 1.0);
}

TEST(EvalStats, FisherMatchesScipy) {
  const nlohmann::json ref = Reference();
  for (const auto& c : ref["fisher"]) {
    const double p = FisherExactTwoSided(c["k1"], c["n1"], c["k2"], c["n2"]);
    const double want = c["p_value"];
    EXPECT_NEAR(p, want, 1e-9 * std::max(1e-3, want)) << c.dump();
  }
}

TEST(EvalStats, FisherLadyTastingTea) {
  // Fisher (1935): 3 of 4 cups right each way; two-sided p = 34/70.
  EXPECT_NEAR(FisherExactTwoSided(3, 4, 1, 4), 34.0 / 70.0, 1e-12);
}

TEST(EvalStats, CompareProportionsMatchesScipy) {
  const nlohmann::json ref = Reference();
  for (const auto& c : ref["compare"]) {
    const TwoProportionTest t = CompareProportions(c["k1"], c["n1"], c["k2"], c["n2"]);
    EXPECT_NEAR(t.z, c["z"].get<double>(), 1e-9) << c.dump();
    const double want = c["p_value"];
    EXPECT_NEAR(t.p_value, want, 1e-9 * std::max(1e-3, want)) << c.dump();
    EXPECT_EQ(t.exact, c["exact"].get<bool>()) << c.dump();
  }
}

TEST(EvalStats, CompareProportionsByHand) {
  // 3/100 -> 69/100 (the TLS-poisoning experiment): pooled p = 0.36,
  // se = sqrt(0.36 * 0.64 * 0.02) = 0.0678823, z = 0.66 / 0.0678823 = 9.7227.
  const TwoProportionTest t = CompareProportions(3, 100, 69, 100);
  EXPECT_DOUBLE_EQ(t.p1, 0.03);
  EXPECT_DOUBLE_EQ(t.p2, 0.69);
  EXPECT_NEAR(t.difference, 0.66, 1e-15);
  EXPECT_NEAR(t.z, 0.66 / std::sqrt(0.36 * 0.64 * 0.02), 1e-12);
  EXPECT_FALSE(t.exact);
  EXPECT_LT(t.p_value, 1e-20);
  const TwoProportionTest same = CompareProportions(0, 0, 1, 1);
  EXPECT_EQ(same.p_value, 1.0);
}

}  // namespace
}  // namespace modelgate::eval
