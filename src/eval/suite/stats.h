// Statistics for evaluation results: binomial proportions with confidence
// intervals and tests between two proportions (docs/eval/eval.md, "Statistics").
#ifndef MODELGATE_EVAL_SUITE_STATS_H_
#define MODELGATE_EVAL_SUITE_STATS_H_

#include <cstdint>

namespace modelgate::eval {

struct Interval {
  double low = 0;
  double high = 1;
};

// Wilson score interval for k successes in n trials at the two-sided
// confidence `level` (0.95 -> z = 1.96). n = 0 gives [0, 1].
Interval WilsonInterval(std::uint64_t k, std::uint64_t n, double level = 0.95);

struct TwoProportionTest {
  double p1 = 0, p2 = 0;   // k1/n1, k2/n2
  double difference = 0;   // p2 - p1
  double z = 0;            // pooled two-proportion z statistic (0 when undefined)
  double p_value = 1;      // two-sided; from Fisher's exact test when any
                           // expected cell count is below 5, else from z
  bool exact = false;      // p_value came from Fisher's exact test
};

// Compares k1/n1 (e.g. the base) with k2/n2 (the candidate).
// REQUIRES: k1 <= n1, k2 <= n2.
TwoProportionTest CompareProportions(std::uint64_t k1, std::uint64_t n1, std::uint64_t k2, std::uint64_t n2);

// Two-sided p-value of Fisher's exact test on the 2x2 table
// [[k1, n1-k1], [k2, n2-k2]] (log-space, exact for n up to 10^6).
double FisherExactTwoSided(std::uint64_t k1, std::uint64_t n1, std::uint64_t k2, std::uint64_t n2);

// Standard normal quantile for probability p in (0, 1).
double NormalQuantile(double p);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_STATS_H_
