// Comparisons that turn suite results into verdicts (docs/eval/eval.md):
// a re-run against what the model's authors claim, and a candidate against
// the base it claims to derive from.
#ifndef MODELGATE_EVAL_COMPARE_H_
#define MODELGATE_EVAL_COMPARE_H_

#include <string>
#include <vector>

#include "eval/suite/checks.h"
#include "eval/suite/claims.h"
#include "eval/suite/stats.h"
#include "eval/suite/suite.h"

namespace modelgate::eval {

// One claim set against the re-run of the suite that binds it.
struct ClaimVerdict {
  Claim claim;
  std::string suite;
  std::string suite_metric;
  bool complement = false;     // the claim is 1 - suite_metric
  MetricResult rerun;          // the suite metric as re-run
  double claimed = 0;          // the claim on the suite metric's scale
  // The claimed value lies inside the re-run's 95% Wilson interval.
  bool consistent = true;
  // How far outside the interval the claim lies (0 when inside), on the
  // suite metric's scale.
  double gap = 0;
  // The claim makes the model look better than the re-run does (higher for
  // higher_is_better metrics, lower otherwise).
  bool flatters = false;
};

struct ClaimComparison {
  std::vector<ClaimVerdict> verdicts;
  std::vector<Claim> not_rerun;   // claims no given suite binds (stderr entries excluded)
};

// Matches every claim against every suite (suites[i] was re-run as results[i]).
// REQUIRES: suites.size() == results.size().
ClaimComparison CompareClaims(const std::vector<Suite>& suites, const std::vector<SuiteResult>& results,
                              const ClaimSet& claims);

// A metric of one suite on the base and on the candidate.
struct MetricChange {
  std::string suite;
  std::string metric;
  MetricResult base;
  MetricResult candidate;
  TwoProportionTest test;      // base = 1, candidate = 2
  bool significant = false;    // test.p_value < alpha
  bool worse = false;          // the candidate moved against the metric's direction
};

// Every metric present in both results, tested at level `alpha`.
std::vector<MetricChange> CompareWithBase(const SuiteResult& base, const SuiteResult& candidate, double alpha);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_COMPARE_H_
