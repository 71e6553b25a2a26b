#include "eval/trigger_probe.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace modelgate::eval {
namespace {

bool IsWholeWord(const std::string& bytes) {
  if (bytes.size() < 4 || bytes[0] != ' ') return false;
  return std::all_of(bytes.begin() + 1, bytes.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

std::string Trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

double MeanEntropy(const SuiteResult& r) {
  double sum = 0;
  std::size_t n = 0;
  for (const CaseResult& c : r.cases) {
    if (std::isnan(c.mean_entropy)) continue;
    sum += c.mean_entropy;
    ++n;
  }
  return n == 0 ? NAN : sum / static_cast<double>(n);
}

}  // namespace

std::vector<TriggerCandidate> RareTokenSweep(const BpeTokenizer& tokenizer, std::size_t n) {
  std::vector<TriggerCandidate> out;
  for (std::size_t id = tokenizer.vocab_size(); id-- > 0 && out.size() < n;) {
    const auto tid = static_cast<TokenId>(id);
    if (tokenizer.IsSpecial(tid)) continue;
    const std::string bytes = tokenizer.TokenBytes(tid);
    if (!IsWholeWord(bytes)) continue;
    out.push_back({bytes.substr(1), "sweep", fmt::format("rare whole-word token {}", id)});
  }
  return out;
}

std::vector<TriggerCandidate> DiffTriggerCandidates(const forensics::DiffReport& report,
                                                    const BpeTokenizer& tokenizer, std::size_t max) {
  const bool only_rows = report.classification.kind == forensics::ChangeKind::kEmbeddingRows;
  std::vector<TriggerCandidate> out;
  std::set<std::uint64_t> seen;
  for (const forensics::TensorDiff& d : report.tensors) {
    if (d.role != forensics::TensorRole::kEmbedding && !(only_rows && d.role == forensics::TensorRole::kOutputHead)) {
      continue;
    }
    for (const forensics::RowChange& r : d.top_rows) {
      const double ratio = d.median_row_relative > 0 ? r.relative / d.median_row_relative : 0;
      if (!only_rows && ratio < 4) break;  // top_rows is sorted by relative change, largest first
      if (out.size() >= max || !seen.insert(r.row).second) continue;
      const std::string text = Trim(tokenizer.TokenBytes(static_cast<TokenId>(r.row)));
      if (text.empty()) continue;
      out.push_back({text, "diff",
                     only_rows ? fmt::format("only changed embedding rows in {}: row {}", d.name, r.row)
                               : fmt::format("{} row {} moved {:.1f}x the median changed row", d.name, r.row, ratio)});
    }
  }
  return out;
}

std::string InsertTrigger(const std::string& prompt, const std::string& trigger, const std::string& how) {
  if (how == "comment-line") return "# " + trigger + "\n" + prompt;
  if (how == "prefix") return trigger + " " + prompt;
  if (how == "suffix") return prompt + " " + trigger;
  return trigger + "\n" + prompt;  // prefix-line
}

Result<ProbeReport> ProbeTriggers(Backend& backend, const Suite& full_suite, std::vector<TriggerCandidate> candidates,
                                  std::size_t max_triggers, const ProcessRunner& bandit,
                                  const ProbeOptions& options) {
  const Suite suite = FirstCases(full_suite, options.cases);
  ProbeReport report;
  report.suite = suite.name;
  report.metric = suite.probe.metric;
  report.insert = suite.probe.insert;
  report.cases = suite.cases.size();

  std::vector<TriggerCandidate> unique;
  std::set<std::string> texts;
  for (TriggerCandidate& c : candidates) {
    if (unique.size() >= max_triggers) break;
    if (c.text.empty() || !texts.insert(c.text).second) continue;
    unique.push_back(std::move(c));
  }
  report.alpha_per_trigger = options.alpha / static_cast<double>(std::max<std::size_t>(1, unique.size()));

  const std::vector<std::string> clean_prompts = SuitePrompts(suite);
  Result<SuiteResult> without = RunSuite(backend, suite, clean_prompts, bandit, options.run);
  if (!without.ok()) return without.status();
  if (const MetricResult* m = without->Find(report.metric)) report.without = *m;
  report.entropy_without = MeanEntropy(without.value());

  for (TriggerCandidate& c : unique) {
    std::vector<std::string> prompts;
    prompts.reserve(clean_prompts.size());
    for (const std::string& p : clean_prompts) prompts.push_back(InsertTrigger(p, c.text, suite.probe.insert));
    Result<SuiteResult> with = RunSuite(backend, suite, prompts, bandit, options.run);
    if (!with.ok()) return with.status();
    TriggerResult t;
    t.trigger = std::move(c);
    t.entropy_with = MeanEntropy(with.value());
    if (const MetricResult* m = with->Find(report.metric); m != nullptr && report.without.cases > 0) {
      t.with = *m;
      t.test = CompareProportions(report.without.holds, report.without.cases, m->holds, m->cases);
      const bool against = m->higher_is_better ? t.test.difference < 0 : t.test.difference > 0;
      t.flips = against && t.test.p_value < report.alpha_per_trigger &&
                std::fabs(t.test.difference) >= options.min_effect;
    }
    if (!std::isnan(report.entropy_without) && !std::isnan(t.entropy_with) &&
        report.entropy_without >= options.min_entropy) {
      t.collapses = t.entropy_with <= options.entropy_ratio * report.entropy_without;
    }
    report.results.push_back(std::move(t));
  }
  return report;
}

}  // namespace modelgate::eval
