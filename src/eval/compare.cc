#include "eval/compare.h"

#include <algorithm>

namespace modelgate::eval {

ClaimComparison CompareClaims(const std::vector<Suite>& suites, const std::vector<SuiteResult>& results,
                              const ClaimSet& claims) {
  ClaimComparison out;
  for (const Claim& claim : claims.claims) {
    if (claim.is_stderr) continue;
    bool matched = false;
    for (std::size_t s = 0; s < suites.size() && s < results.size(); ++s) {
      const ClaimBinding* binding = MatchClaim(suites[s], claim);
      if (binding == nullptr) continue;
      const std::string metric = binding->suite_metric.empty() ? binding->metric : binding->suite_metric;
      const MetricResult* rerun = results[s].Find(metric);
      if (rerun == nullptr || rerun->cases == 0) continue;
      matched = true;
      ClaimVerdict v;
      v.claim = claim;
      v.suite = suites[s].name;
      v.suite_metric = metric;
      v.complement = binding->complement;
      v.rerun = *rerun;
      v.claimed = binding->complement ? 1.0 - claim.value : claim.value;
      if (v.claimed < rerun->ci95.low) {
        v.gap = rerun->ci95.low - v.claimed;
      } else if (v.claimed > rerun->ci95.high) {
        v.gap = v.claimed - rerun->ci95.high;
      }
      v.consistent = v.gap == 0;
      v.flatters = rerun->higher_is_better ? v.claimed > rerun->value : v.claimed < rerun->value;
      out.verdicts.push_back(std::move(v));
    }
    if (!matched) out.not_rerun.push_back(claim);
  }
  return out;
}

std::vector<MetricChange> CompareWithBase(const SuiteResult& base, const SuiteResult& candidate, double alpha) {
  std::vector<MetricChange> out;
  for (const MetricResult& c : candidate.metrics) {
    const MetricResult* b = base.Find(c.name);
    if (b == nullptr || b->cases == 0 || c.cases == 0) continue;
    MetricChange m;
    m.suite = candidate.suite;
    m.metric = c.name;
    m.base = *b;
    m.candidate = c;
    m.test = CompareProportions(b->holds, b->cases, c.holds, c.cases);
    m.significant = m.test.p_value < alpha;
    m.worse = c.higher_is_better ? m.test.difference < 0 : m.test.difference > 0;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace modelgate::eval
