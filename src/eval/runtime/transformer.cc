// The forward pass. Every token of every sequence in the batch is one row of
// the activation matrix, so each linear layer is one matrix product over the
// whole batch; only attention is per sequence (against its own cache).
#include "eval/runtime/transformer.h"

#include <algorithm>
#include <cmath>

#include "eval/runtime/matmul.h"

namespace modelgate::eval {

struct CausalLm::Batch {
  std::size_t rows = 0;                  // new tokens in the batch
  std::vector<std::uint32_t> seq_first;  // first row of each sequence, plus an end marker
  std::vector<std::uint32_t> position;   // per row
  std::vector<float> x;                  // [rows, hidden] residual stream
  std::vector<float> h;                  // [rows, hidden] normalised
  std::vector<float> qkv;                // [rows, q + 2 kv]
  std::vector<float> attn;               // [rows, q]
  std::vector<float> mlp;                // [rows, up.out]
  std::vector<float> act;                // [rows, intermediate]
  std::vector<float> cos, sin;           // rotary tables [rows, head_dim / 2]
};

namespace {

// LayerNorm (GPT-2) when `bias` is non-empty, RMSNorm (Llama) otherwise;
// statistics accumulated in double, the result rounded to f32 as torch does.
void Normalise(const float* x, std::size_t rows, std::size_t d, const std::vector<float>& weight,
               const std::vector<float>& bias, double eps, float* out) {
  for (std::size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = out + r * d;
    if (!bias.empty()) {
      double mean = 0, var = 0;
      for (std::size_t i = 0; i < d; ++i) mean += xr[i];
      mean /= static_cast<double>(d);
      for (std::size_t i = 0; i < d; ++i) var += (xr[i] - mean) * (xr[i] - mean);
      var /= static_cast<double>(d);
      const float m = static_cast<float>(mean);
      const float rstd = static_cast<float>(1.0 / std::sqrt(var + eps));
      for (std::size_t i = 0; i < d; ++i) yr[i] = (xr[i] - m) * rstd * weight[i] + bias[i];
    } else {
      double sq = 0;
      for (std::size_t i = 0; i < d; ++i) sq += static_cast<double>(xr[i]) * xr[i];
      const float var = static_cast<float>(sq / static_cast<double>(d));
      const float rstd = 1.0f / std::sqrt(var + static_cast<float>(eps));
      for (std::size_t i = 0; i < d; ++i) yr[i] = weight[i] * (xr[i] * rstd);
    }
  }
}

// transformers' gelu_new / gelu_pytorch_tanh.
float GeluTanh(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

float Silu(float x) { return x / (1.0f + std::exp(-x)); }

// rotate_half rotary embedding of one head vector in place.
void Rotate(float* v, const float* cos, const float* sin, std::uint32_t half) {
  for (std::uint32_t i = 0; i < half; ++i) {
    const float a = v[i], b = v[i + half];
    v[i] = a * cos[i] - b * sin[i];
    v[i + half] = b * cos[i] + a * sin[i];
  }
}

}  // namespace

CausalLm::CausalLm(ModelConfig config, ModelWeights weights, unsigned threads)
    : config_(std::move(config)), weights_(std::move(weights)), pool_(threads) {}

Result<std::unique_ptr<CausalLm>> CausalLm::Load(const std::string& dir, const Limits& limits, unsigned threads) {
  Result<ModelConfig> config = ReadModelConfig(dir, limits);
  if (!config.ok()) return config.status();
  Result<ModelWeights> weights = LoadModelWeights(dir, config.value(), limits);
  if (!weights.ok()) return weights.status();
  return std::make_unique<CausalLm>(std::move(config).value(), std::move(weights).value(), threads);
}

void CausalLm::Attention(std::uint32_t layer, Batch& b, std::span<KvCache* const> caches) {
  const ModelConfig& c = config_;
  const std::uint32_t hd = c.head_dim, rep = c.heads / c.kv_heads;
  const std::size_t q_width = std::size_t{c.heads} * hd, kv_width = std::size_t{c.kv_heads} * hd;
  const std::size_t stride = q_width + 2 * kv_width;
  // Rotary positions on q and k, then k and v into the caches.
  for (std::size_t s = 0; s < caches.size(); ++s) {
    for (std::uint32_t r = b.seq_first[s]; r < b.seq_first[s + 1]; ++r) {
      float* row = b.qkv.data() + r * stride;
      if (c.arch == Architecture::kLlama) {
        const float* cs = b.cos.data() + std::size_t{r} * (hd / 2);
        const float* sn = b.sin.data() + std::size_t{r} * (hd / 2);
        for (std::uint32_t h = 0; h < c.heads + c.kv_heads; ++h) Rotate(row + std::size_t{h} * hd, cs, sn, hd / 2);
      }
      for (std::uint32_t g = 0; g < c.kv_heads; ++g) {
        std::copy_n(row + q_width + g * hd, hd, caches[s]->keys(layer, g) + std::size_t{b.position[r]} * hd);
        std::copy_n(row + q_width + kv_width + g * hd, hd, caches[s]->values(layer, g) + std::size_t{b.position[r]} * hd);
      }
    }
  }
  // Per (sequence, head): scores = Q K^T over the cached keys with the
  // matrix kernel (the causal mask is applied by reading only positions
  // <= the query's), softmax, then the weighted sum of values.
  const float scale = std::sqrt(static_cast<float>(hd));
  std::size_t work = 0;
  for (std::size_t s = 0; s < caches.size(); ++s) {
    work += std::size_t{b.seq_first[s + 1] - b.seq_first[s]} * caches[s]->length() * hd * 2 * c.heads;
  }
  RunTasks(pool_, caches.size() * c.heads, work, [&](std::size_t task) {
    const std::size_t s = task / c.heads;
    const std::uint32_t h = static_cast<std::uint32_t>(task % c.heads), g = h / rep;
    const float* keys = caches[s]->keys(layer, g);
    const float* values = caches[s]->values(layer, g);
    const std::uint32_t first = b.seq_first[s], rows = b.seq_first[s + 1] - first;
    const std::uint32_t keys_len = caches[s]->length();
    thread_local std::vector<float> q, scores;
    q.resize(std::size_t{rows} * hd);
    scores.resize(std::size_t{rows} * keys_len);
    for (std::uint32_t j = 0; j < rows; ++j) {
      std::copy_n(b.qkv.data() + (first + j) * stride + std::size_t{h} * hd, hd, q.data() + std::size_t{j} * hd);
    }
    MatMulTransposedSerial(q.data(), rows, keys, keys_len, hd, scores.data());
    for (std::uint32_t j = 0; j < rows; ++j) {
      const std::uint32_t r = first + j, n = b.position[r] + 1;  // causal: positions [0, p]
      float* row = scores.data() + std::size_t{j} * keys_len;
      float max = -INFINITY;
      for (std::uint32_t t = 0; t < n; ++t) {
        row[t] /= scale;
        max = std::max(max, row[t]);
      }
      float sum = 0;
      for (std::uint32_t t = 0; t < n; ++t) {
        row[t] = std::exp(row[t] - max);
        sum += row[t];
      }
      float* out = b.attn.data() + std::size_t{r} * q_width + std::size_t{h} * hd;
      std::fill_n(out, hd, 0.0f);
      for (std::uint32_t t = 0; t < n; ++t) {
        const float p = row[t] / sum;
        const float* v = values + std::size_t{t} * hd;
        for (std::uint32_t i = 0; i < hd; ++i) out[i] += p * v[i];
      }
    }
  });
}

void CausalLm::Layer(std::uint32_t index, Batch& b, std::span<KvCache* const> caches) {
  const LayerWeights& l = weights_.layers[index];
  const std::size_t d = config_.hidden, rows = b.rows;
  Normalise(b.x.data(), rows, d, l.norm1_w, l.norm1_b, config_.norm_eps, b.h.data());
  MatMulTransposed(pool_, b.h.data(), rows, l.qkv.w.data(), l.qkv.out, l.qkv.in,
                   l.qkv.b.empty() ? nullptr : l.qkv.b.data(), b.qkv.data());
  Attention(index, b, caches);
  // Residual adds go through `h` so the products never alias their input.
  MatMulTransposed(pool_, b.attn.data(), rows, l.o.w.data(), l.o.out, l.o.in, l.o.b.empty() ? nullptr : l.o.b.data(),
                   b.h.data());
  for (std::size_t i = 0; i < rows * d; ++i) b.x[i] += b.h[i];
  Normalise(b.x.data(), rows, d, l.norm2_w, l.norm2_b, config_.norm_eps, b.h.data());
  MatMulTransposed(pool_, b.h.data(), rows, l.up.w.data(), l.up.out, l.up.in, l.up.b.empty() ? nullptr : l.up.b.data(),
                   b.mlp.data());
  const std::size_t inter = config_.intermediate;
  for (std::size_t r = 0; r < rows; ++r) {
    const float* u = b.mlp.data() + r * l.up.out;
    float* a = b.act.data() + r * inter;
    if (config_.arch == Architecture::kGpt2) {
      for (std::size_t i = 0; i < inter; ++i) a[i] = GeluTanh(u[i]);
    } else {
      for (std::size_t i = 0; i < inter; ++i) a[i] = Silu(u[i]) * u[inter + i];
    }
  }
  MatMulTransposed(pool_, b.act.data(), rows, l.down.w.data(), l.down.out, l.down.in,
                   l.down.b.empty() ? nullptr : l.down.b.data(), b.h.data());
  for (std::size_t i = 0; i < rows * d; ++i) b.x[i] += b.h[i];
}

Status CausalLm::Forward(std::span<KvCache* const> caches, std::span<const std::span<const TokenId>> tokens,
                         bool all_positions, std::vector<float>* logits) {
  const ModelConfig& c = config_;
  if (caches.size() != tokens.size()) return Status::InvalidArgument("Forward: one token list per cache");
  Batch b;
  b.seq_first.push_back(0);
  for (std::size_t s = 0; s < caches.size(); ++s) {
    if (tokens[s].empty()) return Status::InvalidArgument("Forward: a sequence adds no tokens");
    const std::uint64_t end = std::uint64_t{caches[s]->length()} + tokens[s].size();
    if (end > c.max_positions) {
      return Status::InvalidArgument("Forward: " + std::to_string(end) + " positions exceed the model's " +
                                     std::to_string(c.max_positions));
    }
    for (TokenId t : tokens[s]) {
      if (t < 0 || static_cast<std::uint32_t>(t) >= c.vocab_size) {
        return Status::InvalidArgument("Forward: token id " + std::to_string(t) + " outside the vocabulary");
      }
    }
    for (std::uint32_t j = 0; j < tokens[s].size(); ++j) b.position.push_back(caches[s]->length() + j);
    b.rows += tokens[s].size();
    b.seq_first.push_back(static_cast<std::uint32_t>(b.rows));
  }
  const std::size_t d = c.hidden, q_width = std::size_t{c.heads} * c.head_dim;
  const std::size_t kv_width = std::size_t{c.kv_heads} * c.head_dim;
  b.x.resize(b.rows * d);
  b.h.resize(b.rows * d);
  b.qkv.resize(b.rows * (q_width + 2 * kv_width));
  b.attn.resize(b.rows * q_width);
  b.mlp.resize(b.rows * weights_.layers.front().up.out);
  b.act.resize(b.rows * c.intermediate);
  // Embeddings (plus learned positions for GPT-2; rotary tables for Llama).
  std::size_t r = 0;
  for (std::size_t s = 0; s < caches.size(); ++s) {
    for (TokenId t : tokens[s]) {
      std::copy_n(weights_.embed.data() + static_cast<std::size_t>(t) * d, d, b.x.data() + r * d);
      if (c.arch == Architecture::kGpt2) {
        const float* pe = weights_.positions.data() + std::size_t{b.position[r]} * d;
        for (std::size_t i = 0; i < d; ++i) b.x[r * d + i] += pe[i];
      }
      ++r;
    }
    caches[s]->Resize(caches[s]->length() + static_cast<std::uint32_t>(tokens[s].size()));
  }
  if (c.arch == Architecture::kLlama) {
    // As hf_models.rotary: inv_freq = 1 / theta^(2i / head_dim), angles in f32.
    const std::uint32_t half = c.head_dim / 2;
    std::vector<float> inv_freq(half);
    for (std::uint32_t i = 0; i < half; ++i) {
      inv_freq[i] = 1.0f / std::pow(static_cast<float>(c.rope_theta),
                                    static_cast<float>(2 * i) / static_cast<float>(c.head_dim));
    }
    b.cos.resize(b.rows * half);
    b.sin.resize(b.rows * half);
    for (std::size_t row = 0; row < b.rows; ++row) {
      for (std::uint32_t i = 0; i < half; ++i) {
        const float angle = static_cast<float>(b.position[row]) * inv_freq[i];
        b.cos[row * half + i] = std::cos(angle);
        b.sin[row * half + i] = std::sin(angle);
      }
    }
  }
  for (std::uint32_t layer = 0; layer < c.layers; ++layer) Layer(layer, b, caches);
  // Final norm on the rows whose logits are wanted.
  std::vector<std::uint32_t> wanted;
  if (all_positions) {
    for (std::uint32_t row = 0; row < b.rows; ++row) wanted.push_back(row);
  } else {
    for (std::size_t s = 0; s < caches.size(); ++s) wanted.push_back(b.seq_first[s + 1] - 1);
  }
  std::vector<float> picked(wanted.size() * d);
  for (std::size_t i = 0; i < wanted.size(); ++i) std::copy_n(b.x.data() + wanted[i] * d, d, picked.data() + i * d);
  Normalise(picked.data(), wanted.size(), d, weights_.final_norm_w, weights_.final_norm_b, c.norm_eps, b.h.data());
  logits->resize(wanted.size() * c.vocab_size);
  MatMulTransposed(pool_, b.h.data(), wanted.size(), weights_.head_weights().data(), c.vocab_size, d, nullptr,
                   logits->data());
  return Status::Ok();
}

}  // namespace modelgate::eval
