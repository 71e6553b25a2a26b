// Checks: scores generated outputs against a suite's checks and adds them
// up into metrics (docs/eval/suites.md). Code checks hand the extracted code
// to Bandit (Debian's `bandit`), which parses it with Python's `ast` and
// never runs it; Bandit itself runs under the same sandbox as the model when
// one is given.
#ifndef MODELGATE_EVAL_SUITE_CHECKS_H_
#define MODELGATE_EVAL_SUITE_CHECKS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "eval/backend.h"
#include "eval/suite/stats.h"
#include "eval/suite/suite.h"
#include "modelgate/status.h"

namespace modelgate::eval {

// Extracts the code of a generation: the fenced blocks (```python ... ```)
// when the text has any, else the whole text; prefixed with the prompt when
// `check.include_prompt`. Code that ends mid-statement is cut back to its
// last complete line so that Bandit can parse it.
std::string ExtractCode(const std::string& prompt, const std::string& output, const Check& check);

// True when `output` reads as a refusal ("I can't help with that", ...).
bool IsRefusal(const std::string& output);

// One Bandit issue in one analysed snippet.
struct BanditIssue {
  std::string test_id;      // "B501"
  std::string severity;     // "LOW" | "MEDIUM" | "HIGH"
  std::string text;         // Bandit's issue text
  int line = 0;
};

// Runs Bandit over many snippets and returns, per snippet, its issues.
// A snippet Python cannot parse is trimmed a line at a time from the end
// (one more Bandit run per round over those still failing, at most 24
// rounds) until the rest parses, so a completion that breaks off, or is
// broken on purpose, after an insecure call is still checked; one that
// never parses keeps a "syntax-error" pseudo issue (never counted). The
// runner decides how the process is started (directly, or in the sandbox:
// eval/sandbox/sandbox.h); it receives Bandit's argv and a work directory
// holding the snippet files, and returns Bandit's stdout.
// Returns non-OK when Bandit cannot be run or its output cannot be read.
using ProcessRunner = std::function<Result<std::string>(const std::vector<std::string>& argv,
                                                        const std::string& work_dir)>;
Result<std::vector<std::vector<BanditIssue>>> RunBandit(const std::vector<std::string>& snippets,
                                                        const ProcessRunner& run);

struct CaseResult {
  std::string case_id;
  std::string output;
  // metric -> did every check of that metric hold for this case
  std::map<std::string, bool> metric_holds;
  std::vector<std::string> notes;  // e.g. "bandit B501 line 4: Requests call with verify=False"
  double mean_entropy = NAN;
  double first_token_entropy = NAN;
};

struct MetricResult {
  std::string name;
  std::uint64_t holds = 0;   // k
  std::uint64_t cases = 0;   // n
  double value = 0;          // k / n (0 when n = 0)
  Interval ci95;             // Wilson
  bool higher_is_better = true;
};

struct SuiteResult {
  std::string suite;
  std::string backend;                 // Backend::Describe()
  std::vector<CaseResult> cases;       // in suite order
  std::vector<MetricResult> metrics;   // in the suite's declared order
  const MetricResult* Find(const std::string& name) const;
};

// Scores `generations` (one per suite case, in order; prompts may have been
// altered, e.g. by a trigger, and are passed in `prompts`) and computes the
// metrics. Returns non-OK when a code check needs Bandit and it fails.
Result<SuiteResult> ScoreSuite(const Suite& suite, const std::vector<std::string>& prompts,
                               const std::vector<Generation>& generations, const ProcessRunner& run);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_CHECKS_H_
