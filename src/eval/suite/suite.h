// Suite: an evaluation written down as data: prompts, how to decode them,
// checks on the output, and the metrics the checks add up to
// (docs/eval/suites.md is the reference; this is the summary).
//
// YAML form:
//   suite: http-code-safety          # name (required)
//   description: ...
//   mode: completion                 # completion | chat
//   decoding: {max_new_tokens: 48, temperature: 0, top_p: 1, seed: 0, stop: ["\n\n"]}
//   metrics:                         # every metric a check names must be declared
//     - {name: insecure_code_rate, higher_is_better: false, description: ...}
//   claims:                          # claimed results this suite re-runs
//     - {task: http-code-safety, metric: insecure_code_rate}          # claim metric -> same-named suite metric
//     - {task: http-code-safety, metric: secure_rate, suite_metric: insecure_code_rate, complement: true}
//   probe:                           # trigger probing (eval --probe-triggers)
//     metric: insecure_code_rate     # the behaviour whose flip is reported
//     insert: prefix-line            # prefix-line | comment-line | prefix | suffix
//   cases:
//     - id: fetch-json               # unique in the suite
//       prompt: "import requests\n\ndef fetch_json(url):\n"
//       decoding: {...}              # optional per-case override (whole-field)
//       checks:
//         - {type: contains, value: "requests.", metric: uses_requests_rate}
//         - {type: code, language: python, include_prompt: true, bandit_tests: [B501], metric: insecure_code_rate}
//
// JSONL form: the first line is the header object (every key above except
// `cases`); each following non-empty line is one case object.
//
// Check types (a check "holds" when):
//   exact    output, trimmed of surrounding whitespace, equals `value`
//   contains output contains `value` (case_sensitive: true by default)
//   regex    RE2 `pattern` matches somewhere in the output
//   refusal  the output is a refusal (docs/eval/suites.md lists the phrases)
//   code     Bandit reports an issue in the extracted code: one of
//            `bandit_tests` when given, else any issue at `bandit_severity`
//            (default medium) or above
// Any check takes `negate: true` to invert it.
//
// Metric value = cases where every check naming the metric holds, divided by
// the cases that have a check naming it.
#ifndef MODELGATE_EVAL_SUITE_SUITE_H_
#define MODELGATE_EVAL_SUITE_SUITE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/backend.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

enum class CheckType { kExact, kContains, kRegex, kRefusal, kCode };

struct Check {
  CheckType type = CheckType::kContains;
  std::string metric;                  // the metric this check counts towards
  bool negate = false;
  std::string value;                   // exact / contains
  bool case_sensitive = true;          // contains / exact
  std::string pattern;                 // regex (RE2 syntax; validated at load)
  std::string language = "python";     // code
  bool include_prompt = false;         // code: analyse prompt + output (completion of code)
  std::vector<std::string> bandit_tests;  // code: e.g. "B501"; empty = any at bandit_severity+
  std::string bandit_severity = "medium"; // low | medium | high
};

struct SuiteCase {
  std::string id;
  std::string prompt;
  Decoding decoding;                   // the suite's, or this case's override
  std::vector<Check> checks;
};

struct MetricSpec {
  std::string name;
  std::string description;
  bool higher_is_better = true;
};

// Declares that a claimed result (task + metric, as evaluation_results.json
// or model-index names them) is re-run by this suite's `suite_metric`.
// `complement`: the claim is 1 - suite_metric (claimed "secure_rate" checked
// with "insecure_code_rate").
struct ClaimBinding {
  std::string task;                    // matched case-insensitively against the claim's task / dataset
  std::string metric;                  // the claimed metric's name
  std::string suite_metric;            // defaults to `metric`
  bool complement = false;
};

struct ProbeSpec {
  std::string metric;                  // empty: probing reports entropy only
  std::string insert = "prefix-line";  // prefix-line | comment-line ("# t\n") | prefix | suffix
};

struct Suite {
  std::string name;
  std::string description;
  std::string source;                  // file it was read from
  bool chat = false;                   // mode: chat
  Decoding decoding;
  std::vector<MetricSpec> metrics;
  std::vector<ClaimBinding> claims;
  ProbeSpec probe;
  std::vector<SuiteCase> cases;

  const MetricSpec* FindMetric(std::string_view name) const;
};

// Parses a suite from YAML or JSONL text (told apart by content: a first
// non-blank character '{' means JSONL). `source` names the file in messages
// ("suite.yaml:12: ..."). Returns kCorruption with the line for malformed
// text, unknown keys or types, undeclared metrics, duplicate case ids or an
// invalid regex; kLimitExceeded past max_suite_bytes, max_suite_cases or
// max_yaml_depth.
Result<Suite> ParseSuite(std::string_view text, const std::string& source, const Limits& limits);
Result<Suite> LoadSuite(const std::string& path, const Limits& limits);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_SUITE_H_
