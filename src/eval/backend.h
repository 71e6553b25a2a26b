// Backend: something that turns prompts into generated text. The built-in
// CPU runtime (runtime/local_backend.h), an OpenAI-compatible HTTP endpoint
// (remote/openai_backend.h) and the sandboxed worker (sandbox/) all implement
// it, so a suite runs the same way against each (docs/eval/eval.md).
#ifndef MODELGATE_EVAL_BACKEND_H_
#define MODELGATE_EVAL_BACKEND_H_

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "modelgate/status.h"

namespace modelgate::eval {

// How to decode one request. temperature 0 is greedy (argmax, ties to the
// lowest token id); otherwise softmax(logits / temperature), restricted to
// the smallest top-p nucleus, sampled with a generator seeded by `seed`, so
// the same request gives the same text on the same backend.
struct Decoding {
  std::uint32_t max_new_tokens = 64;
  double temperature = 0.0;
  double top_p = 1.0;
  std::uint64_t seed = 0;
  // Generation stops before the first occurrence of any of these strings
  // (the stop string is not part of the text), or at the end-of-text token.
  std::vector<std::string> stop;
};

struct GenerationRequest {
  std::string prompt;  // raw text for completion; the user message for chat
  bool chat = false;   // send as a chat message (/v1/chat/completions)
  Decoding decoding;
};

struct Generation {
  std::string text;                  // generated text only (no prompt)
  std::uint32_t prompt_tokens = 0;   // 0 when the backend does not say
  std::uint32_t completion_tokens = 0;
  std::string finish_reason;         // "stop" (end token or stop string) or "length"
  // Mean over generated tokens of the entropy (nats) of the model's
  // next-token distribution, and the entropy at the first generated token.
  // NaN when the backend cannot tell (a remote endpoint without logprobs).
  double mean_entropy = NAN;
  double first_token_entropy = NAN;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // One line naming the model and where it runs ("local:/models/x (4 threads)",
  // "http://host:8000/v1 model=x").
  virtual std::string Describe() const = 0;
  // Generates one Generation per request, in request order. Backends may
  // batch or run requests concurrently. A failure of the backend itself (the
  // model cannot run, the endpoint is unreachable) is a non-OK status; it is
  // never reported as an empty generation.
  // Not required to be thread-safe: callers make one call at a time.
  virtual Result<std::vector<Generation>> Generate(std::span<const GenerationRequest> requests) = 0;
};

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_BACKEND_H_
