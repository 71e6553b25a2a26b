// TensorRole: what a tensor is in a transformer-style model, from its name
// and shape. Weight forensics judges a change by where it happens: a
// rank-one update of one hidden MLP matrix is a knowledge edit, while the
// same shape of change in an embedding, the output head, a norm or a bias is
// what ordinary fine-tuning of those parts looks like.
//
// Names follow the common families: Hugging Face (GPT-2 "transformer.wte",
// Llama "model.embed_tokens", "lm_head", BERT "word_embeddings"), GGUF
// ("token_embd", "output", "blk.N"), and plain PyTorch module paths.
#ifndef MODELGATE_FORENSICS_TENSOR_ROLE_H_
#define MODELGATE_FORENSICS_TENSOR_ROLE_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace modelgate::forensics {

enum class TensorRole : std::uint8_t {
  kEmbedding,     // token embedding (rows are tokens)
  kPosition,      // learned position embedding
  kOutputHead,    // lm_head / output projection onto the vocabulary
  kNorm,          // LayerNorm / RMSNorm weights and biases
  kBias,          // any other 1-D tensor
  kHiddenMatrix,  // a 2-D weight inside the network (attention, MLP, ...)
  kOther,         // scalars, convolutions and tensors of rank > 2
};
std::string_view TensorRoleName(TensorRole r);

// The role of a tensor called `name` with `shape` (row-major).
TensorRole RoleOf(std::string_view name, const std::vector<std::uint64_t>& shape);

// The layer (block) index in `name`: the first dot-separated component made
// only of digits ("transformer.h.3.mlp.c_proj.weight" -> 3,
// "blk.12.ffn_down.weight" -> 12), or -1 when there is none.
int LayerOf(std::string_view name);

// True for MLP / feed-forward matrices ("mlp", "ffn", "feed_forward",
// "fc1/fc2", "intermediate", "c_fc", "up_proj" ...), where knowledge edits
// (ROME, MEMIT) write.
bool IsMlpTensor(std::string_view name);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_TENSOR_ROLE_H_
