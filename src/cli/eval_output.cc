#include "cli/eval_output.h"

#include <cmath>

#include <fmt/format.h>

namespace modelgate::cli {
namespace {

using eval::MetricResult;

Json Number(double v) { return std::isnan(v) ? Json(nullptr) : Json(v); }

Json MetricJson(const MetricResult& m) {
  return Json{{"name", m.name},
              {"k", m.holds},
              {"n", m.cases},
              {"value", m.value},
              {"ci95", {m.ci95.low, m.ci95.high}},
              {"higher_is_better", m.higher_is_better}};
}

Json SuiteJson(const eval::SuiteResult& s) {
  Json metrics = Json::array();
  for (const MetricResult& m : s.metrics) metrics.push_back(MetricJson(m));
  Json cases = Json::array();
  for (const eval::CaseResult& c : s.cases) {
    Json holds = Json::object();
    for (const auto& [metric, held] : c.metric_holds) holds[metric] = held;
    cases.push_back(Json{{"id", c.case_id},
                         {"output", c.output},
                         {"holds", holds},
                         {"notes", c.notes},
                         {"mean_entropy", Number(c.mean_entropy)}});
  }
  return Json{{"suite", s.suite}, {"backend", s.backend}, {"metrics", metrics}, {"cases", cases}};
}

std::string Ci(const MetricResult& m) { return fmt::format("[{:.3f}, {:.3f}]", m.ci95.low, m.ci95.high); }

}  // namespace

Json EvalBody(const eval::EvalReport& r, const EvalRunFacts& facts) {
  Json body = Json::object();
  body["model"] = r.model;
  body["backend"] = r.backend;
  body["base"] = r.base.empty() && r.base_backend.empty() ? Json(nullptr) : Json(r.base.empty() ? r.base_backend : r.base);
  body["sandbox"] = {{"mode", facts.sandbox}, {"probe", facts.sandbox_probe}};
  Json suites = Json::array();
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    Json s = SuiteJson(r.results[i]);
    if (i < r.base_results.size()) s["base"] = SuiteJson(r.base_results[i]);
    suites.push_back(std::move(s));
  }
  body["suites"] = suites;
  Json claims = Json::array();
  for (const eval::ClaimVerdict& v : r.claim_comparison.verdicts) {
    claims.push_back(Json{{"source", v.claim.source},
                          {"task", v.claim.task},
                          {"dataset", v.claim.dataset},
                          {"metric", v.claim.metric},
                          {"claimed", v.claim.value},
                          {"suite", v.suite},
                          {"suite_metric", v.suite_metric},
                          {"complement", v.complement},
                          {"claimed_on_suite_metric", v.claimed},
                          {"rerun", MetricJson(v.rerun)},
                          {"consistent", v.consistent},
                          {"gap", v.gap},
                          {"flatters", v.flatters}});
  }
  Json not_rerun = Json::array();
  for (const eval::Claim& c : r.claim_comparison.not_rerun) {
    not_rerun.push_back(Json{{"source", c.source}, {"task", c.task}, {"dataset", c.dataset}, {"metric", c.metric},
                             {"value", c.value}});
  }
  Json problems = Json::array();
  for (const eval::ClaimProblem& p : r.claims.problems) problems.push_back(Json{{"source", p.source}, {"message", p.message}});
  body["claims"] = {{"checked", claims}, {"not_rerun", not_rerun}, {"problems", problems}};
  Json changes = Json::array();
  for (const eval::MetricChange& c : r.changes) {
    changes.push_back(Json{{"suite", c.suite},
                           {"metric", c.metric},
                           {"base", MetricJson(c.base)},
                           {"candidate", MetricJson(c.candidate)},
                           {"difference", c.test.difference},
                           {"z", c.test.z},
                           {"p_value", c.test.p_value},
                           {"test", c.test.exact ? "fisher-exact" : "two-proportion-z"},
                           {"significant", c.significant},
                           {"worse", c.worse}});
  }
  body["against_base"] = changes;
  Json probes = Json::array();
  for (const eval::ProbeReport& p : r.probes) {
    Json triggers = Json::array();
    for (const eval::TriggerResult& t : p.results) {
      triggers.push_back(Json{{"trigger", t.trigger.text},
                              {"source", t.trigger.source},
                              {"why", t.trigger.why},
                              {"with", MetricJson(t.with)},
                              {"p_value", t.test.p_value},
                              {"entropy_with", Number(t.entropy_with)},
                              {"flips", t.flips},
                              {"collapses", t.collapses}});
    }
    probes.push_back(Json{{"suite", p.suite},
                          {"metric", p.metric},
                          {"insert", p.insert},
                          {"cases", p.cases},
                          {"without", MetricJson(p.without)},
                          {"entropy_without", Number(p.entropy_without)},
                          {"alpha_per_trigger", p.alpha_per_trigger},
                          {"triggers", triggers}});
  }
  body["trigger_probes"] = probes;
  body["probe_notes"] = r.probe_notes;
  body["seconds"] = facts.seconds;
  return body;
}

std::string EvalTables(const eval::EvalReport& r, const EvalRunFacts& facts) {
  std::string out = fmt::format("modelgate eval {}\n  backend: {}\n  sandbox: {}\n", r.model.empty() ? r.backend : r.model,
                                r.backend, facts.sandbox);
  if (!r.base_backend.empty()) out += fmt::format("  base:    {}\n", r.base_backend);
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    const eval::SuiteResult& s = r.results[i];
    out += fmt::format("\nsuite {} ({} cases)\n  {:<28} {:>15} {:>16}", s.suite, s.cases.size(), "metric", "candidate",
                       "95% CI");
    const bool base = i < r.base_results.size();
    out += base ? fmt::format(" {:>15} {:>9}\n", "base", "p") : "\n";
    for (const MetricResult& m : s.metrics) {
      out += fmt::format("  {:<28} {:>7.3f} {:>7} {:>16}", m.name, m.value, fmt::format("{}/{}", m.holds, m.cases), Ci(m));
      if (base) {
        for (const eval::MetricChange& c : r.changes) {
          if (c.suite != s.suite || c.metric != m.name) continue;
          out += fmt::format(" {:>7.3f} {:>7} {:>9.2g}{}", c.base.value, fmt::format("{}/{}", c.base.holds, c.base.cases),
                             c.test.p_value, c.significant ? (c.worse ? "  worse" : "  better") : "");
        }
      }
      out += "\n";
    }
  }
  if (!r.claim_comparison.verdicts.empty()) {
    out += fmt::format("\nclaims\n  {:<26} {:<24} {:>9} {:>9} {:>16}  verdict\n", "source", "metric", "claimed",
                       "re-run", "95% CI");
    for (const eval::ClaimVerdict& v : r.claim_comparison.verdicts) {
      out += fmt::format("  {:<26} {:<24} {:>9.3f} {:>9.3f} {:>16}  {}\n", v.claim.source, v.claim.metric,
                         v.complement ? 1.0 - v.claimed : v.claimed,
                         v.complement ? 1.0 - v.rerun.value : v.rerun.value,
                         v.complement ? fmt::format("[{:.3f}, {:.3f}]", 1.0 - v.rerun.ci95.high, 1.0 - v.rerun.ci95.low)
                                      : Ci(v.rerun),
                         v.consistent ? "consistent" : (v.flatters ? fmt::format("CONTRADICTED (off by {:.3f})", v.gap)
                                                                   : "understated"));
    }
  }
  for (const eval::ProbeReport& p : r.probes) {
    out += fmt::format("\ntrigger probe: suite {}, {} cases, metric {} without trigger {:.3f}, entropy {:.3f}\n",
                       p.suite, p.cases, p.metric.empty() ? "-" : p.metric, p.without.value, p.entropy_without);
    out += fmt::format("  {:<24} {:<6} {:>9} {:>10} {:>9}  verdict\n", "trigger", "source", p.metric.empty() ? "-" : "with",
                       "p", "entropy");
    for (const eval::TriggerResult& t : p.results) {
      out += fmt::format("  {:<24} {:<6} {:>9.3f} {:>10.2g} {:>9.3f}  {}\n", t.trigger.text, t.trigger.source,
                         t.with.value, t.test.p_value, t.entropy_with,
                         t.flips ? "FLIPS" : (t.collapses ? "entropy collapse" : "-"));
    }
  }
  for (const std::string& n : r.probe_notes) out += "  note: " + n + "\n";
  out += "\n";
  return out;
}

}  // namespace modelgate::cli
