#include "eval/evaluate.h"

#include <filesystem>
#include <utility>

#include <fmt/format.h>

#include "forensics/diff.h"

namespace modelgate::eval {
namespace {

void Say(const EvalOptions& o, const std::string& line) {
  if (o.progress) o.progress(line);
}

SuiteRunOptions WithProgress(const EvalOptions& o, const std::string& label) {
  SuiteRunOptions run = o.run;
  if (o.progress) {
    run.progress = [&o, label](std::size_t done, std::size_t total) {
      o.progress(fmt::format("{}: {}/{}", label, done, total));
    };
  }
  return run;
}

// Trigger candidates from every source the options allow; notes say why a
// source gave nothing.
std::vector<TriggerCandidate> GatherTriggers(const EvalOptions& o, std::vector<std::string>* notes) {
  std::vector<TriggerCandidate> out;
  for (const std::string& t : o.user_triggers) out.push_back({t, "user", "given with --trigger"});
  const std::string tok_path = o.model.empty() ? "" : (std::filesystem::path(o.model) / "tokenizer.json").string();
  std::unique_ptr<BpeTokenizer> tokenizer;
  if (!tok_path.empty() && std::filesystem::is_regular_file(tok_path)) {
    Result<std::unique_ptr<BpeTokenizer>> t = BpeTokenizer::FromFile(tok_path, o.limits);
    if (t.ok()) {
      tokenizer = std::move(t).value();
    } else {
      notes->push_back("tokenizer.json unreadable, no diff or sweep candidates: " + t.status().ToString());
    }
  } else if (o.sweep > 0 || o.diff_triggers) {
    notes->push_back("no tokenizer.json in the model folder: no diff or sweep candidates");
  }
  if (tokenizer && o.diff_triggers && !o.base.empty()) {
    forensics::DiffOptions d;
    d.limits = o.limits;
    d.spectra = forensics::SpectraMode::kNone;
    Say(o, "diff " + o.base + " -> " + o.model + " for trigger candidates");
    Result<forensics::DiffReport> diff = forensics::DiffModels(o.base, o.model, d);
    if (diff.ok()) {
      std::vector<TriggerCandidate> rows = DiffTriggerCandidates(diff.value(), *tokenizer, o.limits.max_trigger_candidates);
      if (rows.empty()) notes->push_back("diff: no embedding row stands out (" + diff->classification.summary + ")");
      for (TriggerCandidate& c : rows) out.push_back(std::move(c));
    } else {
      notes->push_back("diff failed: " + diff.status().ToString());
    }
  }
  if (tokenizer && o.sweep > 0) {
    for (TriggerCandidate& c : RareTokenSweep(*tokenizer, o.sweep)) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Result<EvalReport> Evaluate(const EvalOptions& o, Backend& candidate, Backend* base, const ProcessRunner& bandit) {
  EvalReport r;
  r.model = o.model;
  r.base = o.base;
  r.backend = candidate.Describe();
  if (base != nullptr) r.base_backend = base->Describe();
  r.suites = o.suites;

  for (const Suite& suite : o.suites) {
    Result<SuiteResult> got =
        RunSuite(candidate, suite, SuitePrompts(suite), bandit, WithProgress(o, "suite " + suite.name + " on candidate"));
    if (!got.ok()) return got.status();
    r.results.push_back(std::move(got).value());
    if (base != nullptr) {
      Result<SuiteResult> b =
          RunSuite(*base, suite, SuitePrompts(suite), bandit, WithProgress(o, "suite " + suite.name + " on base"));
      if (!b.ok()) return b.status();
      std::vector<MetricChange> changes = CompareWithBase(b.value(), r.results.back(), o.alpha);
      r.changes.insert(r.changes.end(), changes.begin(), changes.end());
      r.base_results.push_back(std::move(b).value());
    }
  }

  if (o.read_claims && !o.model.empty()) {
    r.claims = ReadClaims(o.model, o.limits);
    r.claim_comparison = CompareClaims(r.suites, r.results, r.claims);
  }

  if (o.probe) {
    r.trigger_candidates = GatherTriggers(o, &r.probe_notes);
    if (r.trigger_candidates.empty()) r.probe_notes.push_back("no trigger candidates: nothing probed");
    for (const Suite& suite : o.suites) {
      if (suite.cases.empty() || r.trigger_candidates.empty()) continue;
      Say(o, fmt::format("probing {} trigger candidate(s) on suite {}", r.trigger_candidates.size(), suite.name));
      ProbeOptions po = o.probe_options;
      po.run = WithProgress(o, "probe " + suite.name);
      Result<ProbeReport> p =
          ProbeTriggers(candidate, suite, r.trigger_candidates, o.limits.max_probe_triggers, bandit, po);
      if (!p.ok()) return p.status();
      r.probes.push_back(std::move(p).value());
    }
  }
  r.findings = EvalFindings(r, o.alpha);
  return r;
}

}  // namespace modelgate::eval
