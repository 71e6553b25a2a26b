#include "eval/runtime/generator.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "eval/runtime/sampler.h"

namespace modelgate::eval {
namespace {

struct Sequence {
  std::size_t request = 0;
  KvCache cache;
  std::vector<TokenId> feed;  // tokens for the next forward pass
  std::mt19937_64 rng;
  std::size_t stop_scan = 0;  // text before this offset holds no stop string
};

Status Validate(const CausalLm& lm, std::span<const TokenRequest> requests, const GeneratorOptions& options,
                const Limits& limits) {
  if (options.max_batch == 0) return Status::InvalidArgument("max_batch must be at least 1");
  if (options.max_batch > limits.max_batch_sequences) {
    return Status::LimitExceeded("max_batch " + std::to_string(options.max_batch) + " exceeds max_batch_sequences");
  }
  for (const TokenRequest& r : requests) {
    const Decoding& d = r.decoding;
    if (r.prompt.empty()) return Status::InvalidArgument("empty prompt");
    for (TokenId t : r.prompt) {
      if (t < 0 || static_cast<std::uint32_t>(t) >= lm.config().vocab_size) {
        return Status::InvalidArgument("prompt token " + std::to_string(t) + " outside the vocabulary");
      }
    }
    if (!(d.temperature >= 0.0) || !std::isfinite(d.temperature)) return Status::InvalidArgument("temperature must be >= 0");
    if (!(d.top_p > 0.0 && d.top_p <= 1.0)) return Status::InvalidArgument("top_p must be in (0, 1]");
    if (d.max_new_tokens > limits.max_new_tokens) {
      return Status::LimitExceeded("max_new_tokens " + std::to_string(d.max_new_tokens) + " exceeds the limit " +
                                   std::to_string(limits.max_new_tokens));
    }
    if (!d.stop.empty() && !options.token_bytes) return Status::InvalidArgument("stop strings need token_bytes");
  }
  return Status::Ok();
}

// The earliest stop string in text[from, ...), or npos.
std::size_t FindStop(const std::string& text, std::size_t from, const std::vector<std::string>& stops) {
  std::size_t best = std::string::npos;
  for (const std::string& s : stops) {
    if (s.empty()) continue;
    const std::size_t at = text.find(s, from);
    if (at != std::string::npos) best = std::min(best, at);
  }
  return best;
}

// Applies one chosen token; returns true when the sequence is finished.
bool Advance(const TokenRequest& request, const GeneratorOptions& options, std::uint32_t context, TokenId token,
             Sequence& seq, TokenGeneration& out) {
  if (std::find(options.eos_ids.begin(), options.eos_ids.end(), token) != options.eos_ids.end()) {
    out.finish_reason = "stop";
    return true;
  }
  out.tokens.push_back(token);
  if (options.token_bytes) {
    out.text += options.token_bytes(token);
    if (!request.decoding.stop.empty()) {
      if (std::size_t at = FindStop(out.text, seq.stop_scan, request.decoding.stop); at != std::string::npos) {
        out.text.resize(at);
        out.finish_reason = "stop";
        return true;
      }
      // A stop string may straddle the next token: rescan its possible start.
      std::size_t longest = 0;
      for (const std::string& s : request.decoding.stop) longest = std::max(longest, s.size());
      seq.stop_scan = out.text.size() >= longest ? out.text.size() - longest + 1 : 0;
    }
  }
  if (out.tokens.size() >= request.decoding.max_new_tokens ||
      request.prompt.size() + out.tokens.size() >= context) {
    out.finish_reason = "length";
    return true;
  }
  seq.feed.assign(1, token);
  return false;
}

}  // namespace

Result<std::vector<TokenGeneration>> GenerateTokens(CausalLm& lm, std::span<const TokenRequest> requests,
                                                    const GeneratorOptions& options, const Limits& limits) {
  MODELGATE_RETURN_IF_ERROR(Validate(lm, requests, options, limits));
  std::uint32_t context = std::min(lm.config().max_positions, limits.max_context_tokens);
  if (options.max_context != 0) context = std::min(context, options.max_context);
  const std::uint32_t vocab = lm.config().vocab_size;

  std::vector<TokenGeneration> out(requests.size());
  std::vector<Sequence> active;
  std::size_t next = 0;
  std::vector<float> logits;
  for (;;) {
    while (active.size() < options.max_batch && next < requests.size()) {
      const TokenRequest& r = requests[next];
      if (r.decoding.max_new_tokens == 0 || r.prompt.size() >= context) {
        out[next++].finish_reason = "length";  // nothing can be generated
        continue;
      }
      active.push_back(Sequence{next, lm.NewCache(), r.prompt, std::mt19937_64(r.decoding.seed), 0});
      ++next;
    }
    if (active.empty()) break;
    std::vector<KvCache*> caches;
    std::vector<std::span<const TokenId>> feeds;
    for (Sequence& s : active) {
      caches.push_back(&s.cache);
      feeds.emplace_back(s.feed);
    }
    MODELGATE_RETURN_IF_ERROR(lm.Forward(caches, feeds, /*all_positions=*/false, &logits));
    std::vector<Sequence> still;
    for (std::size_t i = 0; i < active.size(); ++i) {
      Sequence& s = active[i];
      const TokenRequest& r = requests[s.request];
      std::span<const float> row(logits.data() + i * vocab, vocab);
      out[s.request].entropies.push_back(EntropyNats(row));
      const TokenId token = r.decoding.temperature == 0.0
                                ? GreedyToken(row)
                                : SampleToken(row, r.decoding.temperature, r.decoding.top_p, s.rng);
      if (!Advance(r, options, context, token, s, out[s.request])) still.push_back(std::move(s));
    }
    active = std::move(still);
  }
  return out;
}

}  // namespace modelgate::eval
