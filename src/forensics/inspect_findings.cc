// InspectFindings: turns an InspectReport into findings. Every threshold is
// named here and explained in docs/forensics/inspect.md; they were set on
// trained weights (scripts/fixtures/inspect_fixtures.py and larger local
// runs) so that benign weights produce nothing above info.
#include <cstdio>
#include <string>

#include "forensics/inspect.h"

namespace modelgate::forensics {
namespace {

// Lane statistics need enough elements to mean anything.
constexpr std::uint64_t kMinLaneElements = 4096;
// Sign+exponent byte of trained floats: 2-6 bits of entropy; random bytes: ~8.
constexpr double kTopLaneRandomBits = 7.5;
// Lowest byte of trained weights is ~uniform: 38% printable. Text: ~100%.
constexpr double kLowLanePrintable = 0.75;
// Lowest byte compresses while the next one does not: structured data
// (a file) in the lowest byte of noise-like weights.
constexpr double kLowLaneStructuredRatio = 0.85;
constexpr double kNextLaneNoiseRatio = 0.97;
// Exponent pairs: trained weights' imbalance is >= 6x what random exponent
// low bits give (small corpus GPTs, MLPs, a 100 MB Gaussian); random bytes
// over f32 byte 2 give <= 1x. Tensors concentrated in one exponent (norm
// weights near 1.0 straddle 2^0) are skipped.
constexpr double kExponentPairRandom = 2.0;
constexpr std::uint64_t kMinExponentElements = 1024;
constexpr double kExponentSpreadMode = 0.4;
// Excess kurtosis of trained weight matrices: 0-30 for small models,
// outlier channels of large LLMs reach a few hundred.
constexpr double kKurtosisHigh = 1000;
// |x| > 1e4 (counted in TensorStats::huge) while 99.99% of the values stay
// below 2^(kBulkExponent + 1) = 16.
constexpr int kBulkExponent = 3;
// A tensor whose values are bf16 except a few: at least this share of its
// non-zero values has zero low 16 bits (genuine f32: 1 in 65536).
constexpr double kBf16SparseShare = 0.5;
// In a bf16-stored model: a tensor with this share or more of zero low 16
// bits (but not all) mixes bf16 values with written low bits.
constexpr double kBf16MixedShare = 0.01;
constexpr std::uint64_t kMinBf16Elements = 1024;
constexpr std::size_t kMaxTensorFindings = 20;

std::string Fmt(double v, int precision = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, v);
  return buf;
}

std::string Lanes(int k) { return k == 1 ? "byte 0" : k == 2 ? "bytes 0-1" : "bytes 0-2"; }

Finding Make(const char* id, Severity sev, std::string title, const std::string& path, std::string detail) {
  Finding f;
  f.id = id;
  f.severity = sev;
  f.title = std::move(title);
  f.path = path;
  f.detail = std::move(detail);
  return f;
}

void SignatureFindings(const InspectReport& r, const std::string& path, std::vector<Finding>* out) {
  for (const SignatureHit& h : r.hits) {
    const TensorStats& t = r.tensors[h.tensor];
    const LaneStream& stream = r.streams[h.lanes - 1];
    Finding f = Make("INSPECT-EMBEDDED-SIGNATURE", Severity::kHigh,
                     std::string(SignatureName(h.signature)) + " hidden in " + Lanes(h.lanes) + " of " + t.name +
                         " from element " + std::to_string(h.element),
                     path,
                     "The stream of " + Lanes(h.lanes) + " of consecutive elements, read in file order, holds a " +
                         std::string(SignatureName(h.signature)) +
                         " whose header fields check out. Trained weights carry noise in these bits; a file there "
                         "was written on purpose (a payload for a loader-side or later extraction step).");
    f.member = t.name;
    f.evidence = {{"tensor", t.name},
                  {"element", std::to_string(h.element)},
                  {"byte_lanes", Lanes(h.lanes)},
                  {"signature", std::string(SignatureName(h.signature))},
                  {"confirmed_bytes", std::to_string(h.length)},
                  {"preview", h.preview}};
    if (SignatureMagicBytes(h.signature) > 0) {
      f.evidence.emplace_back("magic_hits_in_stream", std::to_string(stream.raw.hits[static_cast<int>(h.signature)]));
      f.evidence.emplace_back("magic_hits_expected_by_chance", Fmt(stream.ExpectedChance(h.signature)));
    }
    out->push_back(std::move(f));
  }
  if (r.hits_dropped > 0) {
    out->push_back(Make("INSPECT-EMBEDDED-SIGNATURE", Severity::kHigh,
                        std::to_string(r.hits_dropped) + " more embedded signatures not listed", path,
                        "The limit max_inspect_signature_matches was reached; the rest were counted only."));
  }
}

void Bf16Findings(const InspectReport& r, const std::string& path, std::vector<Finding>* out) {
  if (r.bf16_stored_as_f32) {
    Finding f = Make("INSPECT-BF16-AS-F32", Severity::kInfo, "f32 weights hold bf16 values (low 16 bits zero)", path,
                     "The model was trained or stored in bf16 and widened to f32: the low 16 bits of its f32 "
                     "values carry no information, so any non-zero bits there were added afterwards.");
    f.evidence = {{"f32_nonzero_values", std::to_string(r.f32_nonzero)},
                  {"low16_zero_share", Fmt(static_cast<double>(r.f32_nonzero_low16_zero) /
                                           static_cast<double>(r.f32_nonzero), 6)}};
    out->push_back(std::move(f));
  }
  std::size_t listed = 0;
  for (const TensorStats& t : r.tensors) {
    if (!t.analysed || t.dtype != DType::kF32 || t.nonzero == t.nonzero_low16_zero) continue;
    const std::uint64_t set = t.nonzero - t.nonzero_low16_zero;
    const double share = static_cast<double>(t.nonzero_low16_zero) / static_cast<double>(t.nonzero);
    // In a bf16-stored model, low bits that are neither all zero (bf16) nor
    // noise (share ~0: a tensor recomputed in f32, such as a merged adapter)
    // were written on purpose. Outside one, only a tensor that is mostly
    // bf16 with a few exceptions is.
    const bool sparse = r.bf16_stored_as_f32 ? share >= kBf16MixedShare
                                             : share >= kBf16SparseShare && t.nonzero >= kMinBf16Elements;
    const bool rewritten = !sparse && r.bf16_stored_as_f32;
    if (!sparse && !rewritten) continue;
    if (++listed > kMaxTensorFindings) break;
    Finding f = sparse
        ? Make("INSPECT-BF16-LOW-BITS-SET", Severity::kHigh,
               std::to_string(set) + " values of " + t.name + " have low 16 bits set among bf16 values", path,
               std::string(r.bf16_stored_as_f32 ? "The model holds bf16 values widened to f32 (low 16 bits zero). "
                                                : "") +
                   "In this tensor " +
                   Fmt(100 * (1 - share)) + "% of the values carry low bits, yet " + Fmt(100 * share) +
                   "% are still bf16: neither bf16 training nor an f32 recomputation produces that mix (hidden data "
                   "or a targeted post-hoc edit).")
        : Make("INSPECT-BF16-TENSOR-REWRITTEN", Severity::kMedium,
               "Tensor " + t.name + " holds full f32 values in a bf16-stored model", path,
               "The model's values are bf16 widened to f32, but " + Fmt(100 * (1 - share)) +
                   "% of this tensor's values have low 16 bits set: it was recomputed in f32 (e.g. an adapter "
                   "merged after training) or its low bits were rewritten. Compare with the base model.");
    f.member = t.name;
    f.evidence = {{"tensor", t.name},
                  {"values_with_low16_set", std::to_string(set)},
                  {"nonzero_values", std::to_string(t.nonzero)},
                  {"first_element", std::to_string(t.first_low16_set)},
                  {"low16_preview", t.low16_preview}};
    out->push_back(std::move(f));
  }
}

void LaneFindings(const TensorStats& t, const std::string& path, std::vector<Finding>* out) {
  if (!t.analysed || t.lanes.size() < 2 || t.elements < kMinExponentElements) return;
  const LaneStats& low = t.lanes.front();
  const LaneStats& top = t.lanes.back();
  std::string why;
  if (t.elements < kMinLaneElements) {
    // too few values for byte histograms; exponent pairs below still work
  } else if (top.entropy_bits > kTopLaneRandomBits) {
    why = "the sign/exponent byte is as uniform as random bytes (" + Fmt(top.entropy_bits) +
          " bits): these bytes are not trained float values (random or encrypted data stored as a tensor?)";
  } else if (low.printable_fraction >= kLowLanePrintable) {
    why = Fmt(low.printable_fraction * 100) + "% of the lowest bytes are printable ASCII (38% for noise): text";
  } else if (t.lanes.size() >= 4 && low.zlib_ratio >= 0 && low.zlib_ratio < kLowLaneStructuredRatio &&
             t.lanes[1].zlib_ratio >= kNextLaneNoiseRatio) {
    why = "the lowest byte compresses to " + Fmt(low.zlib_ratio) + " while byte 1 stays at " +
          Fmt(t.lanes[1].zlib_ratio) + ": structured data under noise-like mantissa bits";
  }
  if (why.empty() && t.exponent_pair_imbalance_random > 0 && t.exponent_mode_share <= kExponentSpreadMode &&
      t.exponent_pair_imbalance < kExponentPairRandom * t.exponent_pair_imbalance_random) {
    why = "neighbouring exponents (2k, 2k+1) are as evenly filled as random bits make them (imbalance " +
          Fmt(t.exponent_pair_imbalance) + ", random " + Fmt(t.exponent_pair_imbalance_random) +
          "): the exponent's lowest bit was overwritten (bytes written up to f32 byte 2 / bf16 byte 0)";
  }
  if (why.empty()) return;
  Finding f = Make("INSPECT-BYTE-LANE-ANOMALY", Severity::kMedium,
                   "Byte statistics of " + t.name + " unlike trained weights", path,
                   "In tensor " + t.name + " " + why + ".");
  f.member = t.name;
  f.evidence = {{"tensor", t.name}, {"elements", std::to_string(t.elements)}};
  for (std::size_t j = 0; j < t.lanes.size(); ++j) {
    const LaneStats& l = t.lanes[j];
    f.evidence.emplace_back("byte" + std::to_string(j), "entropy " + Fmt(l.entropy_bits) + " bits, chi2 " +
                                                            Fmt(l.chi_square) + ", printable " +
                                                            Fmt(l.printable_fraction) + ", zlib " + Fmt(l.zlib_ratio));
  }
  out->push_back(std::move(f));
}

void ValueFindings(const TensorStats& t, const std::string& path, std::vector<Finding>* out) {
  if (!t.analysed) return;
  if (t.nan + t.pos_inf + t.neg_inf > 0) {
    Finding f = Make("INSPECT-NAN-INF", Severity::kMedium, "Tensor " + t.name + " holds NaN or infinite values",
                     path,
                     "Trained weights are finite. NaN/Inf come from a diverged run or from bytes that are not "
                     "values (NaN payloads can carry 22+ free bits each).");
    f.member = t.name;
    f.evidence = {{"tensor", t.name}, {"nan", std::to_string(t.nan)}, {"+inf", std::to_string(t.pos_inf)},
                  {"-inf", std::to_string(t.neg_inf)}};
    out->push_back(std::move(f));
  }
  if (!t.lanes.empty() && t.huge > 0 && t.exponent_p9999 <= kBulkExponent) {
    Finding f = Make("INSPECT-EXPONENT-OUTLIER", Severity::kLow,
                     std::to_string(t.huge) + " values of " + t.name + " far outside its bulk", path,
                     "Values above 1e4 in a tensor whose 99.99th percentile is below 16: a few elements were "
                     "set far outside the trained range (a planted backdoor weight, or bytes that are not values).");
    f.member = t.name;
    f.evidence = {{"tensor", t.name}, {"values_above_1e4", std::to_string(t.huge)},
                  {"p99.99_exponent", std::to_string(t.exponent_p9999)}, {"max", Fmt(t.max, 6)},
                  {"min", Fmt(t.min, 6)}};
    out->push_back(std::move(f));
  }
  if (t.finite >= 1000 && t.excess_kurtosis > kKurtosisHigh) {
    Finding f = Make("INSPECT-HIGH-KURTOSIS", Severity::kLow, "Tensor " + t.name + " is extremely heavy-tailed",
                     path, "Excess kurtosis far above trained weight matrices: a few values dominate the tensor.");
    f.member = t.name;
    f.evidence = {{"tensor", t.name}, {"excess_kurtosis", Fmt(t.excess_kurtosis)}, {"std", Fmt(t.stddev)}};
    out->push_back(std::move(f));
  }
}

void ReadFindings(const InspectReport& r, const std::string& path, std::vector<Finding>* out) {
  std::size_t listed = 0, unlisted = 0;
  auto add = [&](const std::string& what, const std::string& member, const std::string& why) {
    if (listed >= kMaxTensorFindings) {
      ++unlisted;
      return;
    }
    ++listed;
    Finding f = Make("INSPECT-TENSOR-UNREADABLE", Severity::kMedium, what + " could not be inspected", path,
                     why + ". Bytes that are not inspected may hide anything: the model is not clean.");
    f.member = member;
    f.evidence = {{"reason", why}};
    out->push_back(std::move(f));
  };
  for (const TensorProblem& p : r.problems) {
    add(p.tensor.empty() ? "File " + p.file : "Tensor " + p.tensor, p.tensor, p.message);
  }
  for (const TensorStats& t : r.tensors) {
    if (!t.analysed) add("Tensor " + t.name, t.name, t.problem);
  }
  if (unlisted > 0) {
    out->push_back(Make("INSPECT-TENSOR-UNREADABLE", Severity::kMedium,
                        std::to_string(unlisted) + " more tensors or files could not be inspected", path,
                        "Only the first " + std::to_string(kMaxTensorFindings) + " are listed."));
  }
}

}  // namespace

std::vector<Finding> InspectFindings(const InspectReport& r, const std::string& path) {
  std::vector<Finding> out;
  SignatureFindings(r, path, &out);
  Bf16Findings(r, path, &out);
  std::size_t lane = 0, value = 0;
  for (const TensorStats& t : r.tensors) {
    std::size_t before = out.size();
    if (lane < kMaxTensorFindings) LaneFindings(t, path, &out);
    lane += out.size() - before;
    before = out.size();
    if (value < kMaxTensorFindings) ValueFindings(t, path, &out);
    value += out.size() - before;
  }
  ReadFindings(r, path, &out);
  Finding f = Make("INSPECT-NO-BASE-LIMITS", Severity::kInfo, "What inspect cannot exclude without the base model",
                   path,
                   "Random or encrypted bytes written into the lowest mantissa bits are indistinguishable from "
                   "training noise, and a fine-tuned backdoor changes values within their normal range. Compare "
                   "with the claimed base model: modelgate diff BASE MODEL.");
  f.evidence = {{"tensors", std::to_string(r.tensors.size())}, {"bytes_analysed", std::to_string(r.bytes_analysed)}};
  out.push_back(std::move(f));
  return out;
}

}  // namespace modelgate::forensics
