// JSON forms of GenerationRequest and Generation: the line protocol between
// `modelgate eval` and its sandboxed worker (`modelgate generate`), one JSON
// object per line (docs/eval/sandbox.md). The worker's output is parsed as
// untrusted: it may have been produced by a compromised process.
#ifndef MODELGATE_EVAL_GENERATION_JSON_H_
#define MODELGATE_EVAL_GENERATION_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "eval/backend.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

// One line each (no trailing newline).
std::string RequestToJsonLine(const GenerationRequest& request);
std::string GenerationToJsonLine(const Generation& generation);

// Parse a whole JSONL text. kCorruption names the line for anything
// malformed; kLimitExceeded past max_batch_sequences (requests) or
// max_generated_text_bytes (one text).
Result<std::vector<GenerationRequest>> ParseRequestLines(std::string_view text, const Limits& limits);
Result<std::vector<Generation>> ParseGenerationLines(std::string_view text, const Limits& limits);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_GENERATION_JSON_H_
