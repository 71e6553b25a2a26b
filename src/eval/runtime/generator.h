// Batched generation at the token level: up to `max_batch` sequences are
// decoded together (each step is one forward pass over all of them; new
// sequences join with their whole prompt as soon as a slot frees up).
//
// A sequence stops at an end-of-sequence id (not included in its tokens),
// at a stop string (when `token_bytes` is given; the text is cut before the
// stop string), after decoding.max_new_tokens tokens, or when prompt plus
// generated tokens fill the context. Greedy when temperature is 0 (ties to
// the lowest id), else top-p sampling seeded per request by decoding.seed,
// so a request's output does not depend on what it was batched with.
#ifndef MODELGATE_EVAL_RUNTIME_GENERATOR_H_
#define MODELGATE_EVAL_RUNTIME_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "eval/backend.h"
#include "eval/runtime/transformer.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct TokenRequest {
  std::vector<TokenId> prompt;
  Decoding decoding;
};

struct TokenGeneration {
  std::vector<TokenId> tokens;   // generated, without the end-of-sequence id
  std::string text;              // bytes of `tokens` (cut at a stop string); empty without token_bytes
  std::string finish_reason;     // "stop" or "length"
  // Entropy (nats) of the model's next-token distribution, temperature 1,
  // at every step that chose a token (the end-of-sequence step included).
  std::vector<double> entropies;
};

struct GeneratorOptions {
  std::uint32_t max_batch = 16;
  std::vector<TokenId> eos_ids;
  // Context length (prompt + generated); 0 = the model's max positions.
  // Always capped by the model and by limits.max_context_tokens.
  std::uint32_t max_context = 0;
  // The bytes a token decodes to (BpeTokenizer::TokenBytes); needed for
  // stop strings and `text`.
  std::function<std::string(TokenId)> token_bytes;
};

// One TokenGeneration per request, in order. kInvalidArgument for an empty
// prompt, a token outside the vocabulary, temperature < 0, top_p outside
// (0, 1], stop strings without token_bytes; kLimitExceeded when
// max_new_tokens exceeds limits.max_new_tokens or max_batch exceeds
// limits.max_batch_sequences. A prompt that already fills the context yields
// no tokens and finish_reason "length".
Result<std::vector<TokenGeneration>> GenerateTokens(CausalLm& lm, std::span<const TokenRequest> requests,
                                                    const GeneratorOptions& options, const Limits& limits);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUNTIME_GENERATOR_H_
