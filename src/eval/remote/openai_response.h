// The OpenAI wire format, as pure functions over strings, shared by the
// client (openai_backend.cc), the server (serve/openai_server.cc) and the
// fuzzer: request bodies built from a GenerationRequest, and response bodies
// parsed into a Generation. Bodies from the other side are untrusted: each
// is bounded (max_http_body_bytes), depth-checked before nlohmann parses it,
// and every member is type-checked.
#ifndef MODELGATE_EVAL_REMOTE_OPENAI_RESPONSE_H_
#define MODELGATE_EVAL_REMOTE_OPENAI_RESPONSE_H_

#include <string>
#include <string_view>
#include <vector>

#include "eval/backend.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

// How many alternatives per position we ask for (OpenAI's and vLLM's cap
// for chat is 20; 5 is what every server accepts).
inline constexpr int kTopLogprobs = 5;

// POST body for /v1/completions (request.chat false) or
// /v1/chat/completions (true): model, prompt or messages, max_tokens,
// temperature, top_p, seed, stop (when any), n = 1, stream = false, and with
// `logprobs` the top-kTopLogprobs request in the endpoint's own form.
std::string BuildCompletionRequestBody(const GenerationRequest& request, const std::string& model, bool logprobs);

// Parses a 200 response of either endpoint. choices[0].text (completions)
// or choices[0].message.content (chat; null = ""), finish_reason ("length"
// stays, everything else is "stop"), usage.prompt_tokens and
// usage.completion_tokens (0 when absent), and the entropy estimates from
// the logprobs when present (NaN otherwise; see EntropyLowerBound).
// kCorruption names the member for anything malformed; kLimitExceeded for
// a body or text over the bounds.
Result<Generation> ParseCompletionResponse(std::string_view body, bool chat, const Limits& limits);

// The "id"s of GET /v1/models ({"data": [{"id": ...}, ...]}), in order.
Result<std::vector<std::string>> ParseModelList(std::string_view body, const Limits& limits);

// The message of an OpenAI error body ({"error": {"message": ...}}), cut to
// 300 bytes, or the first 300 bytes of the body when it has another shape.
std::string ErrorMessageFromBody(std::string_view body);

// Entropy (nats) of the next-token distribution, bounded from below from
// its top-k log-probabilities: the k known outcomes plus all the others
// merged into one outcome of probability 1 - sum(p_i). Merging outcomes
// never increases entropy, so this never exceeds the true entropy; it is
// exact when the top k hold all the mass. Log-probabilities summing past 1
// (a server reporting temperature-scaled or rounded values) are
// renormalised. NaN for an empty list.
double EntropyLowerBound(const std::vector<double>& top_logprobs);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_REMOTE_OPENAI_RESPONSE_H_
