// ModelWeights: every parameter of a ModelConfig, decoded to f32 and laid out
// for the forward pass (transformer.h).
//
// Linear layers are row-major [out, in] (y = x W^T + b), whatever the file
// stores: GPT-2's Conv1D [in, out] matrices are transposed on load. Products
// that share an input are fused into one matrix so the forward pass runs one
// matrix product instead of three (q, k, v) or two (gate, up).
#ifndef MODELGATE_EVAL_RUNTIME_MODEL_WEIGHTS_H_
#define MODELGATE_EVAL_RUNTIME_MODEL_WEIGHTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "eval/runtime/model_config.h"
#include "forensics/tensor_source.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct Linear {
  std::uint32_t out = 0, in = 0;
  std::vector<float> w;  // [out, in]
  std::vector<float> b;  // [out], or empty
};

struct LayerWeights {
  std::vector<float> norm1_w, norm1_b;  // before attention (bias: GPT-2 only)
  std::vector<float> norm2_w, norm2_b;  // before the MLP
  Linear qkv;   // rows: q (heads * head_dim), k, v (kv_heads * head_dim each)
  Linear o;     // attention output
  Linear up;    // GPT-2: c_fc; Llama: gate rows [0, I) then up rows [I, 2I)
  Linear down;
};

struct ModelWeights {
  std::vector<float> embed;      // [vocab, hidden]
  std::vector<float> positions;  // GPT-2 only: [max_positions, hidden]
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm_w, final_norm_b;
  std::vector<float> head;       // [vocab, hidden]; empty when tied to `embed`
  const std::vector<float>& head_weights() const { return head.empty() ? embed : head; }
};

// Reads the tensors of `config` from `source` (only tensors from .safetensors
// files are considered). GPT-2 names may carry the "transformer." prefix or
// not; attention mask buffers (attn.bias, attn.masked_bias) and rotary
// inv_freq buffers are ignored, and a saved lm_head.weight of a tied model
// is ignored as transformers does. Returns kCorruption naming the tensor for
// a missing tensor, an unexpected one, a wrong shape or a tensor the source
// could not read; kNotSupported when the source holds no safetensors
// tensors; kLimitExceeded past limits.max_runtime_parameters.
Result<ModelWeights> LoadModelWeights(const forensics::TensorSource& source, const ModelConfig& config,
                                      const Limits& limits);

// OpenTensors(`dir`) then the above.
Result<ModelWeights> LoadModelWeights(const std::string& dir, const ModelConfig& config, const Limits& limits);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUNTIME_MODEL_WEIGHTS_H_
