// Evaluate: the whole `modelgate eval` verdict for one candidate model
// (docs/eval/eval.md): re-run each suite on the candidate (and the base,
// when given), compare the re-run with the claimed results and with the
// base, probe for triggers, and turn what is found into findings.
// The caller builds the backends (sandboxed worker, remote endpoint) and
// the Bandit runner; nothing here starts processes itself.
#ifndef MODELGATE_EVAL_EVALUATE_H_
#define MODELGATE_EVAL_EVALUATE_H_

#include <functional>
#include <string>
#include <vector>

#include "eval/backend.h"
#include "eval/compare.h"
#include "eval/suite/checks.h"
#include "eval/suite/claims.h"
#include "eval/suite/suite.h"
#include "eval/trigger_probe.h"
#include "modelgate/finding.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct EvalOptions {
  std::string model;                 // candidate folder: claims, tokenizer (may be empty for a remote model)
  std::string base;                  // base folder, for the diff's trigger candidates (may be empty)
  std::vector<Suite> suites;
  bool read_claims = true;           // claims from the candidate folder
  double alpha = 0.01;               // candidate vs base
  // Trigger probing.
  bool probe = false;
  std::vector<std::string> user_triggers;
  std::size_t sweep = 16;            // rare-token sweep size (needs the candidate's tokenizer.json)
  bool diff_triggers = true;         // diff base vs candidate weights for candidates (needs both folders)
  ProbeOptions probe_options;
  SuiteRunOptions run;
  Limits limits;
  // Progress lines for people ("suite http-code-safety on candidate: 40/96"), on stderr by the CLI.
  std::function<void(const std::string&)> progress;
};

struct EvalReport {
  std::string model;
  std::string base;
  std::string backend;               // candidate Backend::Describe()
  std::string base_backend;          // empty without a base
  std::vector<Suite> suites;
  std::vector<SuiteResult> results;       // candidate, one per suite
  std::vector<SuiteResult> base_results;  // base, one per suite (empty without a base)
  ClaimSet claims;
  ClaimComparison claim_comparison;
  std::vector<MetricChange> changes;      // every suite, every metric
  std::vector<TriggerCandidate> trigger_candidates;
  std::vector<std::string> probe_notes;   // why a candidate source gave nothing
  std::vector<ProbeReport> probes;        // one per suite with a probe metric
  std::vector<Finding> findings;
};

// Runs everything EvalOptions asks for. `base` may be null. Returns an error
// when a backend or Bandit fails (the evaluation cannot be trusted in part).
Result<EvalReport> Evaluate(const EvalOptions& options, Backend& candidate, Backend* base,
                            const ProcessRunner& bandit);

// The findings for a finished report (also called by Evaluate).
std::vector<Finding> EvalFindings(const EvalReport& report, double alpha);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_EVALUATE_H_
