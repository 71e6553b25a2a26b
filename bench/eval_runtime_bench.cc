// CPU runtime speed (issue 6, item 1): prefill and decode tokens/s of a model
// folder with a KV cache, for comparison with PyTorch on the same model and
// thread count (bench/eval-runtime-vs-torch runs both).
//
//   eval_runtime_bench MODEL_DIR THREADS [PROMPT_TOKENS [NEW_TOKENS [REPEATS]]]
//
// Prints one JSON object: {"threads", "prompt_tokens", "new_tokens",
// "prefill_tokens_per_s", "decode_tokens_per_s"} (best of REPEATS runs; the
// same procedure as hf_models.greedy: one prefill forward, then one forward
// per greedy token).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "eval/runtime/sampler.h"
#include "eval/runtime/transformer.h"

int main(int argc, char** argv) {
  using namespace modelgate;
  using namespace modelgate::eval;
  using Clock = std::chrono::steady_clock;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL_DIR THREADS [PROMPT_TOKENS [NEW_TOKENS [REPEATS]]]\n", argv[0]);
    return 2;
  }
  const unsigned threads = static_cast<unsigned>(std::atoi(argv[2]));
  const std::size_t prompt_len = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 128;
  const std::size_t new_tokens = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 64;
  const int repeats = argc > 5 ? std::atoi(argv[5]) : 3;
  Result<std::unique_ptr<CausalLm>> lm = CausalLm::Load(argv[1], Limits::Default(), threads);
  if (!lm.ok()) {
    std::fprintf(stderr, "%s\n", lm.status().ToString().c_str());
    return 1;
  }
  CausalLm& model = *lm.value();
  std::vector<TokenId> prompt(prompt_len);
  for (std::size_t i = 0; i < prompt_len; ++i) prompt[i] = static_cast<TokenId>((i * 7919 + 13) % model.config().vocab_size);
  double best_prefill = 1e30, best_decode = 1e30;
  for (int rep = 0; rep < repeats; ++rep) {
    KvCache cache = model.NewCache();
    KvCache* caches[] = {&cache};
    std::vector<float> logits;
    std::span<const TokenId> feed[] = {prompt};
    const auto t0 = Clock::now();
    if (!model.Forward(caches, feed, false, &logits).ok()) return 1;
    const auto t1 = Clock::now();
    for (std::size_t i = 0; i < new_tokens; ++i) {
      const TokenId next = GreedyToken(logits);
      std::span<const TokenId> one[] = {std::span(&next, 1)};
      if (!model.Forward(caches, one, false, &logits).ok()) return 1;
    }
    const auto t2 = Clock::now();
    best_prefill = std::min(best_prefill, std::chrono::duration<double>(t1 - t0).count());
    best_decode = std::min(best_decode, std::chrono::duration<double>(t2 - t1).count());
  }
  std::printf("{\"threads\": %u, \"prompt_tokens\": %zu, \"new_tokens\": %zu, \"prefill_tokens_per_s\": %.1f, "
              "\"decode_tokens_per_s\": %.1f}\n",
              threads, prompt_len, new_tokens, prompt_len / best_prefill, new_tokens / best_decode);
  return 0;
}
