// KvCache: the keys and values one sequence has produced so far, per layer
// and key/value head, so each decoding step attends to the past without
// recomputing it. Stored in f32, [position][head_dim] per (layer, kv head),
// so that one head's keys are contiguous for the attention loop.
//
// Not thread-safe; the forward pass writes disjoint (layer, head) slices from
// several threads, which is safe because each slice is its own vector.
#ifndef MODELGATE_EVAL_RUNTIME_KV_CACHE_H_
#define MODELGATE_EVAL_RUNTIME_KV_CACHE_H_

#include <cstdint>
#include <vector>

#include "eval/runtime/model_config.h"

namespace modelgate::eval {

class KvCache {
 public:
  explicit KvCache(const ModelConfig& config)
      : kv_heads_(config.kv_heads), head_dim_(config.head_dim),
        keys_(std::size_t{config.layers} * config.kv_heads), values_(keys_.size()) {}

  // Positions cached.
  std::uint32_t length() const { return length_; }
  // Makes room for positions [0, n) (keeping what is cached when n grows).
  void Resize(std::uint32_t n) {
    for (auto& k : keys_) k.resize(std::size_t{n} * head_dim_);
    for (auto& v : values_) v.resize(std::size_t{n} * head_dim_);
    length_ = n;
  }
  // Position p's key of (layer, kv head) is keys(layer, head) + p * head_dim.
  float* keys(std::uint32_t layer, std::uint32_t head) { return keys_[std::size_t{layer} * kv_heads_ + head].data(); }
  float* values(std::uint32_t layer, std::uint32_t head) {
    return values_[std::size_t{layer} * kv_heads_ + head].data();
  }

 private:
  std::uint32_t kv_heads_, head_dim_;
  std::uint32_t length_ = 0;
  std::vector<std::vector<float>> keys_, values_;
};

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUNTIME_KV_CACHE_H_
