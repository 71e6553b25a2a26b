// ClassifyChange: what kind of change turned a base model into a candidate,
// judged from per-tensor comparisons (tensor_compare.h). Rules, in order
// (docs/forensics/diff.md explains each threshold):
//   identical         no tensor changed;
//   low-bit payload   every changed element differs only below the sign and
//                     top exponent byte of its float encoding (EvilModel /
//                     StegoNet writes into the lowest 1-3 bytes) and enough
//                     elements changed to carry data. Training moves some
//                     weights across a power of two or zero, which flips
//                     exponent or sign bits; embedding a payload never does.
//                     When the differences instead sit in the lowest few
//                     bits (a few ulps), it is rounding noise;
//   embedding rows    only embedding / output-head matrices changed, and in
//                     only a few rows (Embedding Poisoning: trigger tokens);
//   low-rank edit     only hidden matrices changed, each with a low-rank
//                     change, in at most 3 matrices, or in one MLP matrix per
//                     layer over at most max(3, a third of the layers)
//                     (ROME, MEMIT, BadEdit);
//   merged LoRA       only hidden matrices changed, each exactly low rank,
//                     spread over many layers or attention;
//   re-encoded        nothing changed once the base is rounded to the
//                     candidate's dtype (a precision change; checked first);
//   fine-tune         anything else (norms, biases and high-rank changes).
#ifndef MODELGATE_FORENSICS_CLASSIFY_H_
#define MODELGATE_FORENSICS_CLASSIFY_H_

#include <string>
#include <string_view>
#include <vector>

#include "forensics/tensor_compare.h"
#include "forensics/vocabulary.h"
#include "modelgate/finding.h"
#include "modelgate/limits.h"

namespace modelgate::forensics {

enum class ChangeKind {
  kIdentical,
  kReencoded,
  kFineTune,
  kMergedLora,
  kLowRankEdit,
  kEmbeddingRows,
  kLowBitPayload,
  kUnrelated,      // no tensor could be compared (nothing in common by name and shape)
  kRoundingNoise,  // low-bit changes concentrated in the lowest bits: recomputation, not data
};
// "identical", "re-encoded", "fine-tune", "merged-lora", "low-rank-edit",
// "embedding-rows", "low-bit-payload" (the labels of the evaluation corpus),
// "unrelated".
std::string_view ChangeKindName(ChangeKind k);

// A hidden matrix counts as low rank when 99% of its change energy lies in at
// most this many singular directions and the sketch saw the end of it.
inline constexpr std::uint32_t kLowRankMax = 16;
// At least this many elements must change for a low-bit payload verdict.
inline constexpr std::uint64_t kPayloadMinElements = 16;
// ... and at least this share of them must differ in one of the top three
// bits of the bytes used (random or file bytes: ~7/8; measured 0.73-0.90 on
// the corpus and fixtures; recomputation noise of a few ulps: ~0).
inline constexpr double kPayloadTopBitsShare = 0.5;
// Embedding rows: "few" is at most this share of the rows, or this many in a
// small vocabulary (and never more than Limits::max_trigger_candidates).
inline constexpr double kFewRowsShare = 0.01;
inline constexpr std::uint64_t kFewRowsMin = 8;

struct Classification {
  ChangeKind kind = ChangeKind::kIdentical;
  std::string summary;            // one sentence for people
  std::vector<Finding> findings;  // path/member filled in by the caller
};

// Classifies the compared tensors. `vocab` names embedding rows (may be
// empty). Structural differences (added, removed, reshaped, unreadable
// tensors) are the caller's findings and do not enter the verdict.
Classification ClassifyChange(const std::vector<TensorDiff>& tensors, const Vocabulary& vocab,
                              const Limits& limits);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_CLASSIFY_H_
