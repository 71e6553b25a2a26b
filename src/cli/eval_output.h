// The JSON body and text tables of `modelgate eval` (layout documented in
// docs/eval/eval.md; the findings and exit code go through
// WriteForensicsReport like `diff` and `inspect`).
#ifndef MODELGATE_CLI_EVAL_OUTPUT_H_
#define MODELGATE_CLI_EVAL_OUTPUT_H_

#include <string>

#include "eval/evaluate.h"
#include "report/finding_json.h"

namespace modelgate::cli {

// Extra facts the command adds to the report: how the model ran.
struct EvalRunFacts {
  std::string sandbox;          // "bubblewrap", "none (--no-sandbox)", "remote endpoint"
  Json sandbox_probe;           // the in-sandbox probe's attempts, or null
  double seconds = 0;
};

Json EvalBody(const eval::EvalReport& report, const EvalRunFacts& facts);
std::string EvalTables(const eval::EvalReport& report, const EvalRunFacts& facts);

}  // namespace modelgate::cli

#endif  // MODELGATE_CLI_EVAL_OUTPUT_H_
