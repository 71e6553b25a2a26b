// RunSuite: one suite on one backend: builds the requests, generates in
// batches, scores the outputs (eval/suite/checks.h). Used for the candidate,
// the base, and every trigger probe (docs/eval/eval.md).
#ifndef MODELGATE_EVAL_RUN_SUITE_H_
#define MODELGATE_EVAL_RUN_SUITE_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "eval/backend.h"
#include "eval/suite/checks.h"
#include "eval/suite/suite.h"
#include "modelgate/status.h"

namespace modelgate::eval {

// Called after each batch with the number of cases generated so far.
using SuiteProgress = std::function<void(std::size_t done, std::size_t total)>;

struct SuiteRunOptions {
  // Requests handed to the backend per call. Large: a sandboxed worker
  // loads the model once per call (it batches internally).
  std::size_t batch = 512;
  SuiteProgress progress;      // may be empty
};

// The prompts of `suite`'s cases, in order.
std::vector<std::string> SuitePrompts(const Suite& suite);

// Generates one output per case for `prompts` (one per case, in case
// order: the suite's own prompts, or altered ones such as a trigger probe's)
// with each case's decoding, then scores them. Returns the backend's or
// Bandit's error when either fails; never a partial result.
// REQUIRES: prompts.size() == suite.cases.size().
Result<SuiteResult> RunSuite(Backend& backend, const Suite& suite, const std::vector<std::string>& prompts,
                             const ProcessRunner& bandit, const SuiteRunOptions& options);

// The first `n` cases of `suite` (all when n is 0 or larger than the suite).
Suite FirstCases(const Suite& suite, std::size_t n);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUN_SUITE_H_
