#include "forensics/tensor_role.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace modelgate::forensics {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool HasAny(const std::string& s, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles) {
    if (s.find(n) != std::string::npos) return true;
  }
  return false;
}

// The last dot-separated component before a trailing ".weight"/".bias".
std::string_view ModuleLeaf(std::string_view name) {
  for (std::string_view suffix : {".weight", ".bias", ".scale"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      name.remove_suffix(suffix.size());
      break;
    }
  }
  std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

}  // namespace

std::string_view TensorRoleName(TensorRole r) {
  switch (r) {
    case TensorRole::kEmbedding: return "embedding";
    case TensorRole::kPosition: return "position";
    case TensorRole::kOutputHead: return "output-head";
    case TensorRole::kNorm: return "norm";
    case TensorRole::kBias: return "bias";
    case TensorRole::kHiddenMatrix: return "hidden-matrix";
    case TensorRole::kOther: break;
  }
  return "other";
}

TensorRole RoleOf(std::string_view name, const std::vector<std::uint64_t>& shape) {
  const std::string n = Lower(name);
  const std::string leaf = Lower(ModuleLeaf(name));
  if (HasAny(n, {"norm", "ln_", ".ln.", "ln_f", "layernorm", "rmsnorm"}) || leaf.rfind("ln", 0) == 0) {
    if (shape.size() <= 1) return TensorRole::kNorm;
  }
  if (shape.size() <= 1) return shape.empty() ? TensorRole::kOther : TensorRole::kBias;
  if (shape.size() != 2) return TensorRole::kOther;
  if (HasAny(n, {"wpe", "position_embedding", "pos_emb", "position_embd", "embed_positions"})) {
    return TensorRole::kPosition;
  }
  if (HasAny(n, {"wte", "embed_tokens", "word_embeddings", "tok_embeddings", "token_embd", "token_embedding",
                 "embed_in", "shared.weight", "wordembedding"})) {
    return TensorRole::kEmbedding;
  }
  if (HasAny(n, {"lm_head", "embed_out", "output_layer"}) || n == "output.weight" ||
      (n.size() >= 14 && n.substr(n.size() - 14) == ".output.weight" && LayerOf(name) < 0)) {
    return TensorRole::kOutputHead;
  }
  if (leaf.find("emb") != std::string::npos) return TensorRole::kEmbedding;
  return TensorRole::kHiddenMatrix;
}

int LayerOf(std::string_view name) {
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    std::string_view part = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!part.empty() && part.size() <= 6 &&
        std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::stoi(std::string(part));
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return -1;
}

bool IsMlpTensor(std::string_view name) {
  const std::string n = Lower(name);
  return HasAny(n, {"mlp", "ffn", "feed_forward", "feedforward", ".fc1", ".fc2", "intermediate", "c_fc",
                    "up_proj", "down_proj", "gate_proj", "dense_h_to_4h", "dense_4h_to_h", ".w1.", ".w2.",
                    ".w3."});
}

}  // namespace modelgate::forensics
