// Evaluate end to end on scripted backends: claims checked against the
// re-run's interval, the candidate against the base, trigger probing.
// Expected intervals and p-values are worked out in the comments.
#include "eval/evaluate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>

namespace modelgate::eval {
namespace {

// A backend whose output is a function of the prompt.
class ScriptedBackend : public Backend {
 public:
  explicit ScriptedBackend(std::function<std::string(const std::string&)> reply) : reply_(std::move(reply)) {}
  std::string Describe() const override { return "scripted"; }
  Result<std::vector<Generation>> Generate(std::span<const GenerationRequest> requests) override {
    std::vector<Generation> out;
    for (const GenerationRequest& r : requests) {
      Generation g;
      g.text = reply_(r.prompt);
      g.finish_reason = "stop";
      g.mean_entropy = g.text == "yes" ? 0.01 : 1.5;
      out.push_back(std::move(g));
      ++calls;
    }
    return out;
  }
  int calls = 0;

 private:
  std::function<std::string(const std::string&)> reply_;
};

const ProcessRunner kNoBandit = [](const std::vector<std::string>&, const std::string&) -> Result<std::string> {
  return Status::NotSupported("no code checks in these suites");
};

// 20 cases "q0".."q19"; metric says_yes holds when the output contains "yes".
Suite YesSuite() {
  std::string yaml =
      "suite: yes-suite\n"
      "metrics:\n"
      "  - {name: says_yes, higher_is_better: false}\n"
      "claims:\n"
      "  - {task: yes-task, metric: says_yes}\n"
      "  - {task: yes-task, metric: says_no, suite_metric: says_yes, complement: true}\n"
      "probe: {metric: says_yes, insert: prefix}\n"
      "cases:\n";
  for (int i = 0; i < 20; ++i) {
    yaml += "  - id: q" + std::to_string(i) + "\n    prompt: \"q" + std::to_string(i) +
            "\"\n    checks:\n      - {type: contains, value: \"yes\", metric: says_yes}\n";
  }
  Result<Suite> s = ParseSuite(yaml, "yes.yaml", Limits());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? s.value() : Suite();
}

// "yes" for the first `k` prompts q0..q(k-1), or whenever `trigger` is in the prompt.
std::function<std::string(const std::string&)> YesFor(int k, std::string trigger = "") {
  return [k, trigger](const std::string& p) {
    if (!trigger.empty() && p.find(trigger) != std::string::npos) return std::string("yes");
    const std::size_t q = p.rfind('q');
    const int i = std::stoi(p.substr(q + 1));
    return std::string(i < k ? "yes" : "no");
  };
}

TEST(EvaluateTest, ClaimOutsideTheIntervalIsContradicted) {
  EvalOptions o;
  o.suites = {YesSuite()};
  ScriptedBackend candidate(YesFor(10));  // says_yes = 10/20 = 0.5, Wilson 95% [0.299, 0.701]
  Result<EvalReport> r = Evaluate(o, candidate, nullptr, kNoBandit);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->results.size(), 1u);
  const MetricResult* m = r->results[0].Find("says_yes");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->holds, 10u);
  EXPECT_NEAR(m->ci95.low, 0.2993, 1e-3);
  EXPECT_NEAR(m->ci95.high, 0.7007, 1e-3);

  ClaimSet claims;
  // Lower is better: claiming 0.05 flatters the model by 0.2993 - 0.05.
  ASSERT_TRUE(ParseEvaluationResults(R"({"results": {"yes-task": {"says_yes": 0.05, "says_no": 0.4}}})",
                                     "evaluation_results.json", Limits(), &claims)
                  .ok());
  ClaimComparison c = CompareClaims(r->suites, r->results, claims);
  ASSERT_EQ(c.verdicts.size(), 2u);
  for (const ClaimVerdict& v : c.verdicts) {
    if (v.claim.metric == "says_yes") {
      EXPECT_FALSE(v.consistent);
      EXPECT_TRUE(v.flatters);
      EXPECT_NEAR(v.gap, 0.2993 - 0.05, 1e-3);
    } else {
      // says_no = 0.4 claims says_yes = 0.6: inside [0.299, 0.701].
      EXPECT_TRUE(v.complement);
      EXPECT_NEAR(v.claimed, 0.6, 1e-12);
      EXPECT_TRUE(v.consistent);
    }
  }
  r->claims = claims;
  r->claim_comparison = c;
  std::vector<Finding> f = EvalFindings(r.value(), 0.01);
  EXPECT_EQ(std::count_if(f.begin(), f.end(), [](const Finding& x) { return x.id == "EVAL-CLAIM-CONTRADICTED"; }), 1);
  EXPECT_EQ(std::count_if(f.begin(), f.end(), [](const Finding& x) { return x.id == "EVAL-CLAIM-CONFIRMED"; }), 1);
}

TEST(EvaluateTest, SignificantChangeAgainstTheBaseIsARegression) {
  EvalOptions o;
  o.suites = {YesSuite()};
  ScriptedBackend base(YesFor(1));        // 1/20
  ScriptedBackend candidate(YesFor(15));  // 15/20
  Result<EvalReport> r = Evaluate(o, candidate, &base, kNoBandit);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->changes.size(), 1u);
  const MetricChange& c = r->changes[0];
  EXPECT_EQ(c.base.holds, 1u);
  EXPECT_EQ(c.candidate.holds, 15u);
  EXPECT_TRUE(c.significant);
  EXPECT_TRUE(c.worse);  // says_yes: lower is better
  EXPECT_LT(c.test.p_value, 1e-4);
  EXPECT_TRUE(std::any_of(r->findings.begin(), r->findings.end(),
                          [](const Finding& x) { return x.id == "EVAL-REGRESSION" && x.severity == Severity::kHigh; }));

  // The same model as its own base: nothing significant.
  ScriptedBackend same(YesFor(15));
  Result<EvalReport> r2 = Evaluate(o, candidate, &same, kNoBandit);
  ASSERT_TRUE(r2.ok());
  ASSERT_EQ(r2->changes.size(), 1u);
  EXPECT_FALSE(r2->changes[0].significant);
  EXPECT_NEAR(r2->changes[0].test.p_value, 1.0, 1e-9);
}

TEST(EvaluateTest, TriggerThatFlipsBehaviourIsFound) {
  EvalOptions o;
  o.suites = {YesSuite()};
  o.probe = true;
  o.sweep = 0;
  o.diff_triggers = false;
  o.user_triggers = {"harmless", "cfx", "cfx", "other"};
  o.probe_options.cases = 20;
  ScriptedBackend candidate(YesFor(1, "cfx"));  // 1/20 without; 20/20 with "cfx"
  Result<EvalReport> r = Evaluate(o, candidate, nullptr, kNoBandit);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->probes.size(), 1u);
  const ProbeReport& p = r->probes[0];
  EXPECT_EQ(p.without.holds, 1u);
  ASSERT_EQ(p.results.size(), 3u);  // the duplicate is dropped
  EXPECT_NEAR(p.alpha_per_trigger, 0.01 / 3, 1e-12);
  for (const TriggerResult& t : p.results) {
    EXPECT_EQ(t.flips, t.trigger.text == "cfx") << t.trigger.text;
    EXPECT_EQ(t.collapses, t.trigger.text == "cfx") << t.trigger.text;  // entropy 1.5 -> 0.01 nats
  }
  EXPECT_TRUE(std::any_of(r->findings.begin(), r->findings.end(), [](const Finding& x) {
    return x.id == "EVAL-TRIGGER-FLIP" && !x.evidence.empty() && x.evidence[0].second == "cfx";
  }));
}

TEST(EvaluateTest, InsertTriggerModes) {
  EXPECT_EQ(InsertTrigger("x = 1\n", "cfx", "prefix-line"), "cfx\nx = 1\n");
  EXPECT_EQ(InsertTrigger("x = 1\n", "cfx", "comment-line"), "# cfx\nx = 1\n");
  EXPECT_EQ(InsertTrigger("hello", "cfx", "prefix"), "cfx hello");
  EXPECT_EQ(InsertTrigger("hello", "cfx", "suffix"), "hello cfx");
}

TEST(EvaluateTest, BackendFailureIsAnErrorNotAnEmptyResult) {
  class Broken : public Backend {
   public:
    std::string Describe() const override { return "broken"; }
    Result<std::vector<Generation>> Generate(std::span<const GenerationRequest>) override {
      return Status::IOError("worker died");
    }
  } broken;
  EvalOptions o;
  o.suites = {YesSuite()};
  Result<EvalReport> r = Evaluate(o, broken, nullptr, kNoBandit);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("worker died"), std::string::npos);
}

}  // namespace
}  // namespace modelgate::eval
