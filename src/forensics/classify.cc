#include "forensics/classify.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace modelgate::forensics {
namespace {

// Token text for a finding: quoted, control bytes escaped.
std::string TokenLabel(const Vocabulary& vocab, std::uint64_t row) {
  std::string_view t = vocab.Token(row);
  if (t.empty()) return fmt::format("#{}", row);
  std::string out = fmt::format("#{} '", row);
  for (unsigned char c : t) {
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

bool IsEmbeddingLike(TensorRole r) { return r == TensorRole::kEmbedding || r == TensorRole::kOutputHead; }

// Bytes at the bottom of the encoding that hold every change, when the
// top byte (sign and high exponent bits) never changed; 0 otherwise.
std::uint32_t LowBytesOnly(const std::vector<const TensorDiff*>& changed, std::uint64_t* elements) {
  std::uint32_t bytes = 0;
  *elements = 0;
  for (const TensorDiff* d : changed) {
    if (d->encoding_bits == 0 || d->highest_changed_bit < 0) return 0;
    if (static_cast<std::uint32_t>(d->highest_changed_bit) >= d->encoding_bits - 8) return 0;
    bytes = std::max<std::uint32_t>(bytes, static_cast<std::uint32_t>(d->highest_changed_bit) / 8 + 1);
    *elements += d->changed;
  }
  return bytes;
}

// Share of the changed elements whose highest differing bit is one of the
// top three bits of the lowest `bytes` bytes. Data written over those bytes
// differs from the original in a near-uniform way (7/8 of the elements);
// recomputation noise of a few ulps stays in the lowest bits.
double TopOfZoneShare(const std::vector<const TensorDiff*>& changed, std::uint32_t bytes) {
  std::uint64_t top = 0, all = 0;
  for (const TensorDiff* d : changed) {
    for (std::uint32_t bit = 0; bit < 8 * bytes; ++bit) {
      all += d->highest_bit_histogram[bit];
      if (bit + 3 >= 8 * bytes) top += d->highest_bit_histogram[bit];
    }
  }
  return all ? static_cast<double>(top) / static_cast<double>(all) : 0.0;
}

bool IsLowRank(const TensorDiff& d) {
  if (!d.spectrum) return false;
  const Spectrum& s = *d.spectrum;
  if (s.rank_capped || s.energy_rank99 == 0) return false;
  const std::uint64_t min_dim = std::min(d.shape[0], d.shape[1]);
  // A change of rank close to the matrix's own size is not "low rank", even
  // when that size is small.
  return s.energy_rank99 <= kLowRankMax && s.energy_rank99 * 4 <= min_dim;
}

Finding MakeFinding(std::string id, Severity sev, std::string title, std::string detail) {
  Finding f;
  f.id = std::move(id);
  f.severity = sev;
  f.title = std::move(title);
  f.detail = std::move(detail);
  return f;
}

std::string JoinNames(const std::vector<const TensorDiff*>& ds, std::size_t max = 12) {
  std::string out;
  for (std::size_t i = 0; i < ds.size() && i < max; ++i) out += (i ? ", " : "") + ds[i]->name;
  if (ds.size() > max) out += fmt::format(", ... ({} in all)", ds.size());
  return out;
}

}  // namespace

std::string_view ChangeKindName(ChangeKind k) {
  switch (k) {
    case ChangeKind::kIdentical: return "identical";
    case ChangeKind::kReencoded: return "re-encoded";
    case ChangeKind::kFineTune: return "fine-tune";
    case ChangeKind::kMergedLora: return "merged-lora";
    case ChangeKind::kLowRankEdit: return "low-rank-edit";
    case ChangeKind::kEmbeddingRows: return "embedding-rows";
    case ChangeKind::kLowBitPayload: return "low-bit-payload";
    case ChangeKind::kUnrelated: return "unrelated";
    case ChangeKind::kRoundingNoise: return "rounding-noise";
  }
  return "?";
}

Classification ClassifyChange(const std::vector<TensorDiff>& tensors, const Vocabulary& vocab, const Limits& limits) {
  Classification out;
  std::vector<const TensorDiff*> changed;
  for (const TensorDiff& d : tensors) {
    if (d.changed > 0) changed.push_back(&d);
  }
  if (tensors.empty()) {
    out.kind = ChangeKind::kUnrelated;
    out.summary = "unrelated: no tensor of the candidate matches a tensor of the base by name and shape";
    out.findings.push_back(MakeFinding(
        "DIFF-NO-COMMON-TENSORS", Severity::kHigh, "no tensor in common with the claimed base",
        "Not one tensor of the candidate has the name and shape of a base tensor, so nothing could be compared: "
        "the candidate is not derived from this base in this form (another model, or renamed weights). "
        "A format conversion also renames tensors (Hugging Face -> GGUF); compare files of the same format."));
    return out;
  }
  if (changed.empty()) {
    const auto rounded = std::count_if(tensors.begin(), tensors.end(), [](const TensorDiff& d) { return d.base_rounded; });
    if (rounded > 0) {
      out.kind = ChangeKind::kReencoded;
      out.summary = fmt::format("re-encoded: {} of {} tensors are stored with another float dtype and equal the base "
                                "rounded to it; nothing else changed",
                                rounded, tensors.size());
      out.findings.push_back(MakeFinding("DIFF-REENCODED", Severity::kInfo, "weights converted to another dtype",
                                         out.summary + "."));
      return out;
    }
    out.kind = ChangeKind::kIdentical;
    out.summary = fmt::format("identical: all {} compared tensors are byte-for-byte the same", tensors.size());
    out.findings.push_back(MakeFinding("DIFF-IDENTICAL", Severity::kInfo, "weights identical to the base",
                                       out.summary + "."));
    return out;
  }

  // 1. Changes confined to the low bytes of the float encodings.
  std::uint64_t payload_elements = 0;
  const std::uint32_t low_bytes = LowBytesOnly(changed, &payload_elements);
  if (low_bytes > 0 && payload_elements >= kPayloadMinElements &&
      TopOfZoneShare(changed, low_bytes) < kPayloadTopBitsShare) {
    out.kind = ChangeKind::kRoundingNoise;
    out.summary = fmt::format("rounding noise: {} elements in {} tensors differ by a few units in the last place",
                              payload_elements, changed.size());
    Finding f = MakeFinding(
        "DIFF-ROUNDING-NOISE", Severity::kInfo, "weights differ only by floating-point rounding",
        out.summary + ": most changes sit in the lowest bits, as when the same weights are recomputed in another "
                      "order (merging and unmerging an adapter, another BLAS). Hidden data would spread evenly "
                      "over the bits it uses.");
    f.evidence.emplace_back("changed_elements", std::to_string(payload_elements));
    out.findings.push_back(std::move(f));
    return out;
  }
  if (low_bytes > 0 && payload_elements >= kPayloadMinElements) {
    out.kind = ChangeKind::kLowBitPayload;
    out.summary = fmt::format("low-bit payload: {} elements in {} tensors changed only in their lowest {} byte(s)",
                              payload_elements, changed.size(), low_bytes);
    Finding f = MakeFinding(
        "DIFF-LOW-BITS-PAYLOAD", Severity::kHigh, "weights changed only in their lowest mantissa bytes",
        fmt::format("{} elements changed, and in every one of them only the lowest {} byte(s) of the float "
                    "encoding differ from the base: no sign bit and no high exponent bit moved. Training "
                    "moves some weights across zero or a power of two; writing data into the low mantissa "
                    "bits (EvilModel, StegoNet) does not. About {} bytes of hidden data fit in the changed "
                    "bits. Tensors: {}.",
                    payload_elements, low_bytes, payload_elements * low_bytes, JoinNames(changed)));
    f.evidence.emplace_back("low_bytes", std::to_string(low_bytes));
    f.evidence.emplace_back("changed_elements", std::to_string(payload_elements));
    f.evidence.emplace_back("capacity_bytes", std::to_string(payload_elements * low_bytes));
    f.evidence.emplace_back("tensors", std::to_string(changed.size()));
    out.findings.push_back(std::move(f));
    return out;
  }

  std::vector<const TensorDiff*> hidden, embedding, other;
  for (const TensorDiff* d : changed) {
    if (d->role == TensorRole::kHiddenMatrix) {
      hidden.push_back(d);
    } else if (IsEmbeddingLike(d->role)) {
      embedding.push_back(d);
    } else {
      other.push_back(d);
    }
  }

  // 2. Only a few rows of the embedding / output head.
  if (hidden.empty() && other.empty() && !embedding.empty()) {
    bool few = true;
    for (const TensorDiff* d : embedding) {
      const double cap = std::max<double>(kFewRowsMin, std::floor(kFewRowsShare * static_cast<double>(d->rows)));
      if (d->rows == 0 || d->rows_changed > cap || d->rows_changed > limits.max_trigger_candidates) few = false;
    }
    if (few) {
      out.kind = ChangeKind::kEmbeddingRows;
      std::set<std::uint64_t> rows;
      for (const TensorDiff* d : embedding) {
        for (const RowChange& r : d->top_rows) rows.insert(r.row);
      }
      std::string tokens;
      for (std::uint64_t r : rows) tokens += (tokens.empty() ? "" : ", ") + TokenLabel(vocab, r);
      out.summary = fmt::format("embedding rows: only {} row(s) of {} changed: trigger candidates {}", rows.size(),
                                JoinNames(embedding), tokens);
      Finding f = MakeFinding(
          "DIFF-EMBEDDING-ROWS", Severity::kHigh, "only a few token embeddings changed (trigger candidates)",
          fmt::format("Nothing changed except {} row(s) of {}. Fine-tuning moves the embeddings of every token "
                      "it trains on; changing a handful of rows and nothing else is how embedding-poisoning "
                      "backdoors implant trigger tokens. Tokens: {}. Probe them with `modelgate eval`.",
                      rows.size(), JoinNames(embedding), tokens));
      f.evidence.emplace_back("rows", std::to_string(rows.size()));
      for (std::uint64_t r : rows) f.evidence.emplace_back("token", TokenLabel(vocab, r));
      out.findings.push_back(std::move(f));
      return out;
    }
  }

  // 3 and 4. Only hidden matrices, each with a low-rank change.
  if (!hidden.empty() && embedding.empty() && other.empty() &&
      std::all_of(hidden.begin(), hidden.end(), [](const TensorDiff* d) { return IsLowRank(*d); })) {
    std::set<int> layers;
    bool all_mlp = true;
    std::uint32_t max_rank = 0;
    double min_top1 = 1;
    for (const TensorDiff* d : hidden) {
      layers.insert(d->layer);
      all_mlp = all_mlp && IsMlpTensor(d->name);
      max_rank = std::max(max_rank, d->spectrum->energy_rank99);
      min_top1 = std::min(min_top1, d->spectrum->top1_energy);
    }
    // Knowledge editors write one MLP projection per layer in a short run of
    // layers (ROME 1, MEMIT ~5 of 28-48); adapters cover many layers or
    // several matrices per layer.
    int model_layers = 0;
    for (const TensorDiff& d : tensors) model_layers = std::max(model_layers, d.layer + 1);
    const bool one_per_layer = layers.size() == hidden.size();
    const bool localised =
        hidden.size() <= 3 ||
        (all_mlp && one_per_layer && static_cast<int>(layers.size()) <= std::max(3, (model_layers + 2) / 3));
    if (localised) {
      out.kind = ChangeKind::kLowRankEdit;
      const bool rank_one = max_rank == 1;
      const char* style = rank_one && hidden.size() == 1 ? "ROME-style rank-one edit"
                          : layers.size() > 1           ? "MEMIT-style multi-layer edit"
                                                        : "low-rank edit";
      out.summary = fmt::format("low-rank edit ({}): {} hidden matrix(es) in {} layer(s), rank <= {}", style,
                                hidden.size(), layers.size(), max_rank);
      Finding f = MakeFinding(
          "DIFF-LOW-RANK-EDIT", Severity::kHigh, fmt::format("localised low-rank edit of hidden weights ({})", style),
          fmt::format("Only {} hidden matrix(es) changed ({}), and 99% of each change lies in at most {} "
                      "singular direction(s) (smallest top-1 energy share {:.3f}). Everything else is "
                      "byte-identical. This is the signature of knowledge editing (ROME, MEMIT, BadEdit), which "
                      "rewrites facts or implants backdoors with a rank-one or low-rank update; fine-tuning "
                      "changes every trained tensor with a high-rank update.",
                      hidden.size(), JoinNames(hidden), max_rank, min_top1));
      f.evidence.emplace_back("matrices", std::to_string(hidden.size()));
      f.evidence.emplace_back("layers", std::to_string(layers.size()));
      f.evidence.emplace_back("max_rank99", std::to_string(max_rank));
      f.evidence.emplace_back("min_top1_energy", fmt::format("{:.4f}", min_top1));
      for (const TensorDiff* d : hidden) f.evidence.emplace_back("tensor", d->name);
      out.findings.push_back(std::move(f));
      return out;
    }
    out.kind = ChangeKind::kMergedLora;
    std::uint32_t numerical = 0;
    for (const TensorDiff* d : hidden) numerical = std::max(numerical, d->spectrum->numerical_rank);
    out.summary = fmt::format("merged LoRA: {} hidden matrices in {} layers changed, each of rank <= {}",
                              hidden.size(), layers.size(), numerical);
    Finding f = MakeFinding(
        "DIFF-MERGED-LORA", Severity::kMedium, fmt::format("merged low-rank adapter (LoRA, rank ~{})", numerical),
        fmt::format("{} hidden matrices across {} layers changed and nothing else; every change is exactly low "
                    "rank (numerical rank <= {}, 99% of the energy in <= {} directions). That is a LoRA adapter "
                    "merged into the base weights. Adapters are a common way to publish fine-tunes, and also a "
                    "cheap way to implant a backdoor: review what it was trained on. Tensors: {}.",
                    hidden.size(), layers.size(), numerical, max_rank, JoinNames(hidden)));
    f.evidence.emplace_back("matrices", std::to_string(hidden.size()));
    f.evidence.emplace_back("layers", std::to_string(layers.size()));
    f.evidence.emplace_back("rank", std::to_string(numerical));
    out.findings.push_back(std::move(f));
    return out;
  }

  // 5. Everything else is fine-tuning.
  out.kind = ChangeKind::kFineTune;
  double rel_sum = 0;
  for (const TensorDiff* d : changed) rel_sum += d->relative_change;
  out.summary = fmt::format("fine-tune: {} of {} tensors changed ({} hidden matrices, {} embedding/head, {} "
                            "norms/biases/other), mean relative change {:.2e}",
                            changed.size(), tensors.size(), hidden.size(), embedding.size(), other.size(),
                            rel_sum / static_cast<double>(changed.size()));
  Finding f = MakeFinding("DIFF-FINE-TUNE", Severity::kInfo, "weights fine-tuned from the base",
                          out.summary + ". The change is spread the way training spreads it; weights alone cannot "
                                        "tell a benign fine-tune from one on poisoned data: evaluate it "
                                        "(`modelgate eval`) with the trigger candidates below.");
  f.evidence.emplace_back("changed_tensors", std::to_string(changed.size()));
  f.evidence.emplace_back("compared_tensors", std::to_string(tensors.size()));
  out.findings.push_back(std::move(f));
  // Trigger candidates for evaluation: the embedding rows that moved most,
  // relative to the typical changed row.
  for (const TensorDiff* d : embedding) {
    if (d->role != TensorRole::kEmbedding || d->top_rows.empty() || d->median_row_relative <= 0) continue;
    std::string tokens;
    std::size_t n = 0;
    for (const RowChange& r : d->top_rows) {
      if (r.relative < 4 * d->median_row_relative || n >= 16) break;
      tokens += (tokens.empty() ? "" : ", ") + TokenLabel(vocab, r.row) + fmt::format(" x{:.1f}",
                                                                                      r.relative / d->median_row_relative);
      ++n;
    }
    if (n == 0) continue;
    Finding t = MakeFinding("DIFF-TRIGGER-CANDIDATES", Severity::kInfo,
                            fmt::format("{} token embeddings moved far more than the rest", n),
                            fmt::format("In {}, these rows changed at least 4x more (relative to their norm) than the "
                                        "median changed row: {}. Outliers are what a trigger token trained by data "
                                        "poisoning looks like, and also what rare tokens in benign data look like; "
                                        "probe them with `modelgate eval`.",
                                        d->name, tokens));
    t.evidence.emplace_back("tensor", d->name);
    t.evidence.emplace_back("tokens", tokens);
    out.findings.push_back(std::move(t));
  }
  return out;
}

}  // namespace modelgate::forensics
