// Parsing of the bodies the OpenAI-compatible server receives
// (POST /v1/completions and /v1/chat/completions) into GenerationRequests.
// Bodies are untrusted: depth-checked before nlohmann parses them, every
// known member type-checked; unknown members are ignored (clients send
// frequency_penalty, user, ... that have no meaning here).
#ifndef MODELGATE_EVAL_SERVE_REQUEST_PARSE_H_
#define MODELGATE_EVAL_SERVE_REQUEST_PARSE_H_

#include <string>
#include <string_view>
#include <vector>

#include "eval/backend.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct ParsedCompletionRequest {
  std::string model;                       // empty when the client sent none
  bool stream = false;
  std::vector<GenerationRequest> requests; // one per prompt (completions) or one (chat)
};

// Completions: "prompt" is a string or a non-empty array of strings (one
// request each, at most max_batch_sequences). Chat: "messages" is a
// non-empty array of {"role": s, "content": s | null | [{"type": "text",
// "text": s}, ...]}, turned into one prompt with the plain template
//   "<role>: <content>\n" for each message, then "assistant: ".
// Shared members: max_tokens (default 16, at most limits.max_new_tokens;
// max_completion_tokens is accepted for chat), temperature (default 1, in
// [0, 2]), top_p (default 1, in (0, 1]), seed (integer; negative values
// are taken modulo 2^64), stop (string or array of at most 16 strings),
// n (1 only), stream (boolean), echo (false only), model (string).
// The requests have chat = false: the template is already applied.
// Returns kInvalidArgument with a message for the client on any problem.
Result<ParsedCompletionRequest> ParseCompletionRequestBody(std::string_view body, bool chat, const Limits& limits);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SERVE_REQUEST_PARSE_H_
