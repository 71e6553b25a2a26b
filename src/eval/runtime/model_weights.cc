// Tensor names and shapes of GPT-2, Llama and Qwen2 checkpoints
// (transformers' state_dict layouts), read into ModelWeights.
#include "eval/runtime/model_weights.h"

#include <map>
#include <set>
#include <string_view>

namespace modelgate::eval {
namespace {

using forensics::TensorInfo;
using forensics::TensorSource;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string ShapeText(const std::vector<std::uint64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Reads named tensors out of the safetensors part of a source, remembering
// which were used so that leftovers can be reported.
class TensorReader {
 public:
  explicit TensorReader(const TensorSource& source) : source_(source) {
    for (std::size_t i = 0; i < source.tensors().size(); ++i) {
      if (IsSafetensors(source.tensors()[i])) {
        if (!names_.emplace(source.tensors()[i].name, i).second) duplicate_ = source.tensors()[i].name;
      }
    }
  }
  static bool IsSafetensors(const TensorInfo& t) { return EndsWith(t.file, ".safetensors"); }
  bool empty() const { return names_.empty(); }
  const std::string& duplicate() const { return duplicate_; }
  bool Has(const std::string& name) const { return names_.count(name) != 0; }

  // Reads `name`, which must have exactly `shape`, into `out` (resized).
  Status Read(const std::string& name, const std::vector<std::uint64_t>& shape, std::vector<float>* out) {
    auto it = names_.find(name);
    if (it == names_.end()) return Status::Corruption("missing tensor " + name);
    const TensorInfo& t = source_.tensors()[it->second];
    if (t.shape != shape) {
      return Status::Corruption("tensor " + name + " has shape " + ShapeText(t.shape) + ", the config implies " +
                                ShapeText(shape));
    }
    used_.insert(name);
    out->resize(t.elements);
    Status st = source_.ReadF32(it->second, 0, t.elements, out->data());
    if (!st.ok()) return Status::Corruption("tensor " + name + ": " + st.message());
    return Status::Ok();
  }
  // Reads a [rows, cols] matrix stored transposed ([cols, rows], Conv1D).
  Status ReadTransposed(const std::string& name, std::uint64_t rows, std::uint64_t cols, std::vector<float>* out) {
    std::vector<float> stored;
    MODELGATE_RETURN_IF_ERROR(Read(name, {cols, rows}, &stored));
    out->resize(rows * cols);
    for (std::uint64_t c = 0; c < cols; ++c) {
      for (std::uint64_t r = 0; r < rows; ++r) (*out)[r * cols + c] = stored[c * rows + r];
    }
    return Status::Ok();
  }
  void Ignore(const std::string& name) { used_.insert(name); }
  // The first tensor neither read nor ignorable, or "".
  std::string Unused() const {
    for (const auto& [name, index] : names_) {
      if (used_.count(name) != 0) continue;
      if (EndsWith(name, ".attn.bias") || EndsWith(name, ".attn.masked_bias") || EndsWith(name, ".rotary_emb.inv_freq")) {
        continue;
      }
      return name;
    }
    return "";
  }

 private:
  const TensorSource& source_;
  std::map<std::string, std::size_t> names_;  // ordered: the first leftover reported is deterministic
  std::set<std::string> used_;
  std::string duplicate_;
};

Status AppendRows(TensorReader& r, const std::string& name, std::uint64_t rows, std::uint64_t cols, Linear* l) {
  std::vector<float> part;
  MODELGATE_RETURN_IF_ERROR(r.Read(name, {rows, cols}, &part));
  l->w.insert(l->w.end(), part.begin(), part.end());
  l->out += static_cast<std::uint32_t>(rows);
  l->in = static_cast<std::uint32_t>(cols);
  return Status::Ok();
}

Status AppendBias(TensorReader& r, const std::string& name, std::uint64_t n, Linear* l) {
  std::vector<float> part;
  MODELGATE_RETURN_IF_ERROR(r.Read(name, {n}, &part));
  l->b.insert(l->b.end(), part.begin(), part.end());
  return Status::Ok();
}

Status LoadGpt2(TensorReader& r, const ModelConfig& c, ModelWeights* w) {
  const std::string p = r.Has("transformer.wte.weight") ? "transformer." : "";
  const std::uint64_t d = c.hidden, inner = c.intermediate;
  MODELGATE_RETURN_IF_ERROR(r.Read(p + "wte.weight", {c.vocab_size, d}, &w->embed));
  MODELGATE_RETURN_IF_ERROR(r.Read(p + "wpe.weight", {c.max_positions, d}, &w->positions));
  w->layers.resize(c.layers);
  for (std::uint32_t i = 0; i < c.layers; ++i) {
    const std::string h = p + "h." + std::to_string(i) + ".";
    LayerWeights& l = w->layers[i];
    MODELGATE_RETURN_IF_ERROR(r.Read(h + "ln_1.weight", {d}, &l.norm1_w));
    MODELGATE_RETURN_IF_ERROR(r.Read(h + "ln_1.bias", {d}, &l.norm1_b));
    MODELGATE_RETURN_IF_ERROR(r.Read(h + "ln_2.weight", {d}, &l.norm2_w));
    MODELGATE_RETURN_IF_ERROR(r.Read(h + "ln_2.bias", {d}, &l.norm2_b));
    struct Conv {
      const char* name;
      std::uint64_t in, out;
      Linear* dst;
    } convs[] = {{"attn.c_attn", d, 3 * d, &l.qkv}, {"attn.c_proj", d, d, &l.o},
                 {"mlp.c_fc", d, inner, &l.up}, {"mlp.c_proj", inner, d, &l.down}};
    for (const Conv& cv : convs) {
      cv.dst->out = static_cast<std::uint32_t>(cv.out);
      cv.dst->in = static_cast<std::uint32_t>(cv.in);
      MODELGATE_RETURN_IF_ERROR(r.ReadTransposed(h + cv.name + ".weight", cv.out, cv.in, &cv.dst->w));
      MODELGATE_RETURN_IF_ERROR(r.Read(h + cv.name + ".bias", {cv.out}, &cv.dst->b));
    }
  }
  MODELGATE_RETURN_IF_ERROR(r.Read(p + "ln_f.weight", {d}, &w->final_norm_w));
  MODELGATE_RETURN_IF_ERROR(r.Read(p + "ln_f.bias", {d}, &w->final_norm_b));
  return Status::Ok();
}

Status LoadLlama(TensorReader& r, const ModelConfig& c, ModelWeights* w) {
  const std::uint64_t d = c.hidden, q = std::uint64_t{c.heads} * c.head_dim, kv = std::uint64_t{c.kv_heads} * c.head_dim;
  const std::uint64_t inter = c.intermediate;
  MODELGATE_RETURN_IF_ERROR(r.Read("model.embed_tokens.weight", {c.vocab_size, d}, &w->embed));
  w->layers.resize(c.layers);
  for (std::uint32_t i = 0; i < c.layers; ++i) {
    const std::string h = "model.layers." + std::to_string(i) + ".";
    LayerWeights& l = w->layers[i];
    MODELGATE_RETURN_IF_ERROR(r.Read(h + "input_layernorm.weight", {d}, &l.norm1_w));
    MODELGATE_RETURN_IF_ERROR(r.Read(h + "post_attention_layernorm.weight", {d}, &l.norm2_w));
    MODELGATE_RETURN_IF_ERROR(AppendRows(r, h + "self_attn.q_proj.weight", q, d, &l.qkv));
    MODELGATE_RETURN_IF_ERROR(AppendRows(r, h + "self_attn.k_proj.weight", kv, d, &l.qkv));
    MODELGATE_RETURN_IF_ERROR(AppendRows(r, h + "self_attn.v_proj.weight", kv, d, &l.qkv));
    if (c.qkv_bias) {
      MODELGATE_RETURN_IF_ERROR(AppendBias(r, h + "self_attn.q_proj.bias", q, &l.qkv));
      MODELGATE_RETURN_IF_ERROR(AppendBias(r, h + "self_attn.k_proj.bias", kv, &l.qkv));
      MODELGATE_RETURN_IF_ERROR(AppendBias(r, h + "self_attn.v_proj.bias", kv, &l.qkv));
    }
    MODELGATE_RETURN_IF_ERROR(AppendRows(r, h + "self_attn.o_proj.weight", d, q, &l.o));
    MODELGATE_RETURN_IF_ERROR(AppendRows(r, h + "mlp.gate_proj.weight", inter, d, &l.up));
    MODELGATE_RETURN_IF_ERROR(AppendRows(r, h + "mlp.up_proj.weight", inter, d, &l.up));
    MODELGATE_RETURN_IF_ERROR(AppendRows(r, h + "mlp.down_proj.weight", d, inter, &l.down));
  }
  return r.Read("model.norm.weight", {d}, &w->final_norm_w);
}

}  // namespace

Result<ModelWeights> LoadModelWeights(const TensorSource& source, const ModelConfig& config, const Limits& limits) {
  if (config.ParameterCount() > limits.max_runtime_parameters) {
    return Status::LimitExceeded("model has " + std::to_string(config.ParameterCount()) +
                                 " parameters, more than max_runtime_parameters");
  }
  for (const forensics::TensorProblem& p : source.problems()) {
    if (EndsWith(p.file, ".safetensors") || EndsWith(p.file, ".json")) {
      return Status::Corruption(p.file + (p.tensor.empty() ? "" : " " + p.tensor) + ": " + p.message);
    }
  }
  TensorReader reader(source);
  if (reader.empty()) return Status::NotSupported("no safetensors weights in the model folder");
  if (!reader.duplicate().empty()) return Status::Corruption("tensor " + reader.duplicate() + " is stored twice");
  ModelWeights w;
  MODELGATE_RETURN_IF_ERROR(config.arch == Architecture::kGpt2 ? LoadGpt2(reader, config, &w)
                                                               : LoadLlama(reader, config, &w));
  const std::string head_name = "lm_head.weight";
  if (config.tie_embeddings) {
    // transformers ties the head to the embedding whatever the file holds.
    if (reader.Has(head_name)) reader.Ignore(head_name);
  } else {
    MODELGATE_RETURN_IF_ERROR(reader.Read(head_name, {config.vocab_size, config.hidden}, &w.head));
  }
  if (std::string extra = reader.Unused(); !extra.empty()) {
    return Status::Corruption("unexpected tensor " + extra + " (not part of a " + config.model_type + " model)");
  }
  return w;
}

Result<ModelWeights> LoadModelWeights(const std::string& dir, const ModelConfig& config, const Limits& limits) {
  Result<std::unique_ptr<forensics::TensorSource>> source = forensics::OpenTensors(dir, limits);
  if (!source.ok()) return source.status();
  return LoadModelWeights(*source.value(), config, limits);
}

}  // namespace modelgate::eval
