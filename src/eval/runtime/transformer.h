// CausalLm: a GPT-2, Llama or Qwen2 model loaded from a folder, and its
// forward pass over a batch of sequences, each with its own KvCache.
//
// The maths restates scripts/eval_models/hf_models.py (itself transformers'
// modelling code) operation for operation, in f32: GPT-2's pre-LayerNorm
// blocks with gelu_new and learned positions; Llama's RMSNorm, rotary
// positions (rotate_half, rope_theta), grouped-query attention and SwiGLU;
// Qwen2's q/k/v biases. Logits match PyTorch to ~1e-5 on the fixtures
// (docs/eval/runtime.md).
//
// Thread-safety: Forward uses the model's thread pool and must not be called
// concurrently; distinct CausalLm objects are independent.
#ifndef MODELGATE_EVAL_RUNTIME_TRANSFORMER_H_
#define MODELGATE_EVAL_RUNTIME_TRANSFORMER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "eval/runtime/kv_cache.h"
#include "eval/runtime/model_config.h"
#include "eval/runtime/model_weights.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

using TokenId = std::int32_t;

class CausalLm {
 public:
  // Reads `dir`/config.json and the safetensors weights (one file or a
  // sharded index). Errors as ParseModelConfig and LoadModelWeights; kIOError
  // when the folder cannot be read. `threads` 0 = one per core.
  static Result<std::unique_ptr<CausalLm>> Load(const std::string& dir, const Limits& limits, unsigned threads);
  // For tests and tools that build weights in memory.
  CausalLm(ModelConfig config, ModelWeights weights, unsigned threads);
  CausalLm(const CausalLm&) = delete;  // owns the weights and a thread pool
  CausalLm& operator=(const CausalLm&) = delete;

  const ModelConfig& config() const { return config_; }
  unsigned threads() const { return pool_.size(); }
  KvCache NewCache() const { return KvCache(config_); }

  // Appends tokens[i] to the sequence held by *caches[i], for every i at
  // once (sequences may add different numbers of tokens: a prefill next to
  // single decoding steps), and writes logits to `logits` (resized): with
  // `all_positions`, one row of vocab_size per new token in input order;
  // otherwise one row per sequence, for its last new token.
  // Returns kInvalidArgument (and changes no cache) when a token id is
  // outside the vocabulary, a sequence adds no tokens, or a position would
  // reach config().max_positions.
  Status Forward(std::span<KvCache* const> caches, std::span<const std::span<const TokenId>> tokens,
                 bool all_positions, std::vector<float>* logits);

 private:
  struct Batch;
  void Attention(std::uint32_t layer, Batch& batch, std::span<KvCache* const> caches);
  void Layer(std::uint32_t layer, Batch& batch, std::span<KvCache* const> caches);

  ModelConfig config_;
  ModelWeights weights_;
  ThreadPool pool_;
};

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUNTIME_TRANSFORMER_H_
