// ModelConfig: the architecture of a causal LM, read from a Hugging Face
// config.json (docs/eval/runtime.md lists every key).
//
// Two families are run: GPT-2 (model_type "gpt2") and Llama-style decoders
// (model_type "llama" and "qwen2": RMSNorm, rotary positions, grouped-query
// attention, SwiGLU). Keys that would change the maths in a way the runtime
// does not implement (rope_scaling, sliding windows, other activations,
// partial rotary, ...) make the config kNotSupported: a model must never be
// run approximately and then judged on its output.
#ifndef MODELGATE_EVAL_RUNTIME_MODEL_CONFIG_H_
#define MODELGATE_EVAL_RUNTIME_MODEL_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

enum class Architecture : std::uint8_t {
  kGpt2,   // learned positions, LayerNorm, gelu_new MLP, Conv1D weights
  kLlama,  // llama and qwen2
};

struct ModelConfig {
  Architecture arch = Architecture::kLlama;
  std::string model_type;              // "gpt2", "llama", "qwen2"
  std::uint32_t vocab_size = 0;
  std::uint32_t hidden = 0;            // n_embd / hidden_size
  std::uint32_t layers = 0;
  std::uint32_t heads = 0;
  std::uint32_t kv_heads = 0;          // == heads for GPT-2
  std::uint32_t head_dim = 0;
  std::uint32_t intermediate = 0;      // MLP width
  std::uint32_t max_positions = 0;     // n_positions / max_position_embeddings
  double norm_eps = 1e-5;
  double rope_theta = 10000.0;         // Llama family only
  bool tie_embeddings = false;         // the head reuses the token embedding
  bool qkv_bias = false;               // biases on q/k/v (qwen2); GPT-2 always has biases
  std::vector<std::int32_t> eos_ids;   // config.json eos_token_id (int or list)

  // Parameters the runtime allocates for this shape (tied head counted once).
  std::uint64_t ParameterCount() const;
};

// Parses config.json text. kCorruption for malformed JSON, missing or
// mistyped keys and inconsistent shapes (hidden not divisible by heads, ...);
// kNotSupported for other architectures and maths-changing options;
// kLimitExceeded past limits.max_eval_config_bytes / max_json_depth, for
// dimensions beyond the runtime's fixed bounds, or when the parameter count
// exceeds limits.max_runtime_parameters.
Result<ModelConfig> ParseModelConfig(std::string_view json, const Limits& limits);

// Reads `dir`/config.json (bounded by max_eval_config_bytes) and parses it.
Result<ModelConfig> ReadModelConfig(const std::string& dir, const Limits& limits);

// eos_token_id from `dir`/generation_config.json when that file exists (an
// int or a list), appended to `ids` without duplicates. Returns OK and
// leaves `ids` unchanged when the file is absent.
Status AddGenerationConfigEos(const std::string& dir, const Limits& limits, std::vector<std::int32_t>* ids);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUNTIME_MODEL_CONFIG_H_
