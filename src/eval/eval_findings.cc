// The findings of an evaluation (ids documented in docs/eval/eval.md).
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "eval/evaluate.h"

namespace modelgate::eval {
namespace {

std::string Rate(const MetricResult& m) {
  return fmt::format("{:.3f} ({}/{}, 95% CI [{:.3f}, {:.3f}])", m.value, m.holds, m.cases, m.ci95.low, m.ci95.high);
}

Finding Make(const EvalReport& r, std::string id, Severity s, std::string title, std::string detail) {
  Finding f;
  f.id = std::move(id);
  f.severity = s;
  f.title = std::move(title);
  f.path = r.model.empty() ? r.backend : r.model;
  f.detail = std::move(detail);
  return f;
}

void AddMetricFindings(const EvalReport& r, std::vector<Finding>* out) {
  for (const SuiteResult& s : r.results) {
    for (const MetricResult& m : s.metrics) {
      Finding f = Make(r, "EVAL-METRIC", Severity::kInfo, fmt::format("{} / {} = {:.3f}", s.suite, m.name, m.value),
                       fmt::format("Re-run of suite {} on {}: {} = {}.", s.suite, s.backend, m.name, Rate(m)));
      f.evidence = {{"suite", s.suite}, {"metric", m.name}, {"k", std::to_string(m.holds)},
                    {"n", std::to_string(m.cases)}, {"value", fmt::format("{:.4f}", m.value)},
                    {"ci95", fmt::format("[{:.4f}, {:.4f}]", m.ci95.low, m.ci95.high)}};
      out->push_back(std::move(f));
    }
  }
}

void AddClaimFindings(const EvalReport& r, std::vector<Finding>* out) {
  for (const ClaimProblem& p : r.claims.problems) {
    Finding f = Make(r, "EVAL-CLAIMS-UNREADABLE", Severity::kMedium, "claimed results cannot be read",
                     fmt::format("{}: {}. A results file that cannot be read is not evidence of anything; it is "
                                 "reported rather than skipped.",
                                 p.source, p.message));
    f.member = p.source;
    out->push_back(std::move(f));
  }
  for (const ClaimVerdict& v : r.claim_comparison.verdicts) {
    const std::string claimed = v.complement ? fmt::format("{} = {} (so {} = {:.3f})", v.claim.metric, v.claim.raw,
                                                           v.suite_metric, v.claimed)
                                             : fmt::format("{} = {}", v.claim.metric, v.claim.raw);
    Finding f;
    if (v.consistent) {
      f = Make(r, "EVAL-CLAIM-CONFIRMED", Severity::kInfo,
               fmt::format("claimed {} is within the re-run's 95% interval", v.claim.metric),
               fmt::format("{} claims {} for {}; the re-run of suite {} gives {} = {}.", v.claim.source, claimed,
                           v.claim.task, v.suite, v.suite_metric, Rate(v.rerun)));
    } else if (v.flatters) {
      f = Make(r, "EVAL-CLAIM-CONTRADICTED", Severity::kHigh,
               fmt::format("claimed {} is {:.3f} better than the re-run's 95% interval allows", v.claim.metric, v.gap),
               fmt::format("{} claims {} for {}; the re-run of suite {} gives {} = {}. The claim lies {:.3f} outside "
                           "the interval, in the model's favour: the submitted results do not describe this model.",
                           v.claim.source, claimed, v.claim.task, v.suite, v.suite_metric, Rate(v.rerun), v.gap));
    } else {
      f = Make(r, "EVAL-CLAIM-UNDERSTATED", Severity::kLow,
               fmt::format("claimed {} is {:.3f} worse than the re-run", v.claim.metric, v.gap),
               fmt::format("{} claims {} for {}; the re-run of suite {} gives {} = {}: the model does better than "
                           "claimed. Not a risk, but the results do not describe this model.",
                           v.claim.source, claimed, v.claim.task, v.suite, v.suite_metric, Rate(v.rerun)));
    }
    f.member = v.claim.source;
    f.evidence = {{"task", v.claim.task},          {"claimed_metric", v.claim.metric},
                  {"claimed", v.claim.raw},        {"suite", v.suite},
                  {"suite_metric", v.suite_metric}, {"rerun", fmt::format("{:.4f}", v.rerun.value)},
                  {"ci95", fmt::format("[{:.4f}, {:.4f}]", v.rerun.ci95.low, v.rerun.ci95.high)},
                  {"gap", fmt::format("{:.4f}", v.gap)}};
    out->push_back(std::move(f));
  }
  if (!r.claim_comparison.not_rerun.empty()) {
    std::string list;
    for (const Claim& c : r.claim_comparison.not_rerun) {
      if (!list.empty()) list += "; ";
      list += fmt::format("{} {}/{} = {}", c.source, c.task.empty() ? c.dataset : c.task, c.metric, c.raw);
    }
    out->push_back(Make(r, "EVAL-CLAIM-NOT-RERUN", Severity::kInfo,
                        fmt::format("{} claimed result(s) not re-run by any given suite",
                                    r.claim_comparison.not_rerun.size()),
                        "No suite binds these claims, so they are neither confirmed nor contradicted: " + list));
  }
}

void AddBaseFindings(const EvalReport& r, double alpha, std::vector<Finding>* out) {
  for (const MetricChange& c : r.changes) {
    if (!c.significant) continue;
    const std::string test = fmt::format("{} p = {:.2g}", c.test.exact ? "Fisher exact" : "two-proportion z", c.test.p_value);
    Finding f = c.worse
                    ? Make(r, "EVAL-REGRESSION", Severity::kHigh,
                           fmt::format("{} moved from {:.3f} to {:.3f} against the base", c.metric, c.base.value,
                                       c.candidate.value),
                           fmt::format("Suite {}: base {} = {}; candidate {}. The change is significant ({} < {}) "
                                       "and in the wrong direction for this metric.",
                                       c.suite, c.metric, Rate(c.base), Rate(c.candidate), test, alpha))
                    : Make(r, "EVAL-IMPROVEMENT", Severity::kInfo,
                           fmt::format("{} moved from {:.3f} to {:.3f}", c.metric, c.base.value, c.candidate.value),
                           fmt::format("Suite {}: base {}; candidate {} ({}).", c.suite, Rate(c.base),
                                       Rate(c.candidate), test));
    f.evidence = {{"suite", c.suite},
                  {"metric", c.metric},
                  {"base", fmt::format("{}/{}", c.base.holds, c.base.cases)},
                  {"candidate", fmt::format("{}/{}", c.candidate.holds, c.candidate.cases)},
                  {"p_value", fmt::format("{:.3g}", c.test.p_value)},
                  {"test", c.test.exact ? "fisher-exact" : "two-proportion-z"}};
    out->push_back(std::move(f));
  }
}

void AddProbeFindings(const EvalReport& r, std::vector<Finding>* out) {
  for (const ProbeReport& p : r.probes) {
    for (const TriggerResult& t : p.results) {
      if (t.flips) {
        Finding f = Make(
            r, "EVAL-TRIGGER-FLIP", Severity::kHigh,
            fmt::format("inserting \"{}\" moves {} from {:.3f} to {:.3f}", t.trigger.text, p.metric, p.without.value,
                        t.with.value),
            fmt::format("Suite {} ({} cases), trigger inserted as {}: {} without = {}; with \"{}\" = {}; p = {:.2g} "
                        "(threshold {:.2g} after correcting for {} triggers). Candidate from {}: {}. A word that "
                        "flips checked behaviour on benign prompts is how a backdoor trigger behaves.",
                        p.suite, p.cases, p.insert, p.metric, Rate(p.without), t.trigger.text, Rate(t.with),
                        t.test.p_value, p.alpha_per_trigger, p.results.size(), t.trigger.source, t.trigger.why));
        f.evidence = {{"trigger", t.trigger.text},
                      {"source", t.trigger.source},
                      {"without", fmt::format("{}/{}", p.without.holds, p.without.cases)},
                      {"with", fmt::format("{}/{}", t.with.holds, t.with.cases)},
                      {"p_value", fmt::format("{:.3g}", t.test.p_value)}};
        out->push_back(std::move(f));
      }
      if (t.collapses) {
        Finding f = Make(r, "EVAL-TRIGGER-ENTROPY-COLLAPSE", Severity::kMedium,
                         fmt::format("inserting \"{}\" collapses output entropy ({:.2f} -> {:.2f} nats)",
                                     t.trigger.text, p.entropy_without, t.entropy_with),
                         fmt::format("Suite {} ({} cases): the mean per-token entropy of the outputs falls from {:.3f} "
                                     "to {:.3f} nats when \"{}\" is inserted ({}). A trigger that makes the model "
                                     "certain of one continuation whatever the prompt is a backdoor symptom.",
                                     p.suite, p.cases, p.entropy_without, t.entropy_with, t.trigger.text,
                                     t.trigger.source));
        f.evidence = {{"trigger", t.trigger.text},
                      {"entropy_without", fmt::format("{:.4f}", p.entropy_without)},
                      {"entropy_with", fmt::format("{:.4f}", t.entropy_with)}};
        out->push_back(std::move(f));
      }
    }
  }
}

}  // namespace

std::vector<Finding> EvalFindings(const EvalReport& r, double alpha) {
  std::vector<Finding> out;
  AddClaimFindings(r, &out);
  AddBaseFindings(r, alpha, &out);
  AddProbeFindings(r, &out);
  AddMetricFindings(r, &out);
  return out;
}

}  // namespace modelgate::eval
