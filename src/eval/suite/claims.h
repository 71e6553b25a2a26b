// Claims: the results a model's authors say it achieves, read from the
// files a model repository ships (docs/eval/claims.md):
//   - evaluation_results.json (and *eval*results*.json): lm-evaluation-harness
//     layout {"results": {task: {metric[,filter]: value}}}, a flat
//     {task: {metric: value}}, or a list of {task, metric, value} objects;
//   - README.md's YAML front matter `model-index` (Hugging Face model cards):
//     results[].task.type/name, dataset.name/type, metrics[].type/name/value.
// Nothing is trusted: these are only compared with a re-run.
#ifndef MODELGATE_EVAL_SUITE_CLAIMS_H_
#define MODELGATE_EVAL_SUITE_CLAIMS_H_

#include <string>
#include <string_view>
#include <vector>

#include "eval/suite/suite.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct Claim {
  std::string source;        // "evaluation_results.json" or "README.md (model-index)"
  std::string task;          // task key / task type / task name
  std::string dataset;       // dataset name or type (model-index), else empty
  std::string metric;        // metric name, filter suffix (",none") removed
  double value = 0;          // as a proportion: percentages (1 < v <= 100) divided by 100
  std::string raw;           // the value as written ("99.1", "0.991")
  bool is_stderr = false;    // *_stderr entries are read but never compared
};

struct ClaimProblem {
  std::string source;
  std::string message;       // what could not be read
};

struct ClaimSet {
  std::vector<Claim> claims;
  std::vector<ClaimProblem> problems;  // unreadable or malformed files are never "no claims"
};

// Parses each format from text (untrusted; bounded by max_claims_bytes,
// max_model_card_bytes, max_yaml_depth, max_claims).
Status ParseEvaluationResults(std::string_view json, const std::string& source, const Limits& limits, ClaimSet* out);
Status ParseModelIndex(std::string_view readme, const std::string& source, const Limits& limits, ClaimSet* out);

// Reads every claim file in a model folder. A folder without any is an
// empty set (no problems).
ClaimSet ReadClaims(const std::string& model_dir, const Limits& limits);

// The suite's binding for `claim`, or nullptr when the suite does not re-run it.
const ClaimBinding* MatchClaim(const Suite& suite, const Claim& claim);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_CLAIMS_H_
