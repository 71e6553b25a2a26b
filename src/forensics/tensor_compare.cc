#include "forensics/tensor_compare.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <memory>

#include "forensics/half_float.h"

namespace modelgate::forensics {
namespace {

// Highest differing bit of every element of one chunk, for a plain
// little-endian encoding of `Word` (uint16/32/64).
template <typename Word>
void CountChangedBits(const std::uint8_t* a, const std::uint8_t* b, std::uint64_t n, TensorDiff* d) {
  std::uint64_t mask = d->changed_bits_mask;
  std::uint64_t changed = 0;
  for (std::uint64_t k = 0; k < n; ++k) {
    Word x, y;
    std::memcpy(&x, a + k * sizeof(Word), sizeof(Word));
    std::memcpy(&y, b + k * sizeof(Word), sizeof(Word));
    const Word diff = static_cast<Word>(x ^ y);
    if (diff != 0) {
      ++changed;
      mask |= diff;
      ++d->highest_bit_histogram[std::bit_width(diff) - 1];
    }
  }
  d->changed_bits_mask = mask;
  d->changed += changed;
}

// Rounds base values (already decoded to float) to `to`'s encoding in place
// and counts how that encoding differs from the candidate's words `cand`.
void RoundToCandidateEncoding(DType to, float* base, std::uint64_t n, const std::uint8_t* cand, TensorDiff* d) {
  std::vector<std::uint8_t> words(n * DTypeSize(to));
  for (std::uint64_t k = 0; k < n; ++k) {
    if (to == DType::kBF16) {
      const std::uint16_t h = FloatToBFloat16(base[k]);
      base[k] = BFloat16ToFloat(h);
      std::memcpy(words.data() + 2 * k, &h, 2);
    } else if (to == DType::kF16) {
      const std::uint16_t h = FloatToHalf(base[k]);
      base[k] = HalfToFloat(h);
      std::memcpy(words.data() + 2 * k, &h, 2);
    } else if (to == DType::kF32) {
      std::memcpy(words.data() + 4 * k, &base[k], 4);
    } else {  // f64: widening is exact
      const double wide = base[k];
      std::memcpy(words.data() + 8 * k, &wide, 8);
    }
  }
  switch (DTypeSize(to)) {
    case 2: CountChangedBits<std::uint16_t>(words.data(), cand, n, d); break;
    case 4: CountChangedBits<std::uint32_t>(words.data(), cand, n, d); break;
    default: CountChangedBits<std::uint64_t>(words.data(), cand, n, d); break;
  }
}

struct SegmentSums {
  double b2 = 0, d2 = 0, bc = 0, c2 = 0, max_abs = 0;
  std::uint64_t changed = 0;  // elements whose value differs
  bool finite = true;
};

// The hot loop: eight independent float lanes per sum (so the compiler can
// vectorise without reassociating), folded into doubles per segment. A
// non-finite sum means a NaN or Inf was present; the caller then redoes the
// segment with SumSegmentCarefully. `delta` (may be null) receives y - x.
SegmentSums SumSegment(const float* x, const float* y, std::uint64_t n, float* delta) {
  constexpr int kLanes = 8;
  float b2[kLanes] = {}, d2[kLanes] = {}, bc[kLanes] = {}, c2[kLanes] = {}, mx[kLanes] = {};
  std::uint32_t changed[kLanes] = {};
  std::uint64_t k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const float a = x[k + l], b = y[k + l], dd = b - a;
      b2[l] += a * a;
      d2[l] += dd * dd;
      bc[l] += a * b;
      c2[l] += b * b;
      mx[l] = std::max(mx[l], std::fabs(dd));
      changed[l] += dd != 0.0f;
      if (delta) delta[k + l] = dd;
    }
  }
  SegmentSums s;
  for (int l = 0; l < kLanes; ++l) {
    s.b2 += b2[l];
    s.d2 += d2[l];
    s.bc += bc[l];
    s.c2 += c2[l];
    s.max_abs = std::max<double>(s.max_abs, mx[l]);
    s.changed += changed[l];
  }
  for (; k < n; ++k) {
    const double a = x[k], b = y[k], dd = b - a;
    s.b2 += a * a;
    s.d2 += dd * dd;
    s.bc += a * b;
    s.c2 += b * b;
    s.max_abs = std::max(s.max_abs, std::fabs(dd));
    s.changed += dd != 0.0;
    if (delta) delta[k] = static_cast<float>(dd);
  }
  s.finite = std::isfinite(s.b2) && std::isfinite(s.d2) && std::isfinite(s.bc) && std::isfinite(s.c2) &&
             std::isfinite(s.max_abs);
  return s;
}

// The same sums skipping non-finite elements (counted in `introduced` when
// only the candidate's is non-finite), in double. ΔW keeps 0 there.
SegmentSums SumSegmentCarefully(const float* x, const float* y, std::uint64_t n, float* delta,
                                std::uint64_t* introduced) {
  SegmentSums s;
  for (std::uint64_t k = 0; k < n; ++k) {
    const float a = x[k], b = y[k];
    if (delta) delta[k] = 0;
    if (!std::isfinite(a) || !std::isfinite(b)) {
      if (std::isfinite(a)) ++*introduced;
      if (std::memcmp(&a, &b, sizeof a) != 0) ++s.changed;
      continue;
    }
    const double dd = static_cast<double>(b) - a;
    s.b2 += static_cast<double>(a) * a;
    s.d2 += dd * dd;
    s.bc += static_cast<double>(a) * b;
    s.c2 += static_cast<double>(b) * b;
    s.max_abs = std::max(s.max_abs, std::fabs(dd));
    s.changed += dd != 0.0;
    if (delta) delta[k] = static_cast<float>(dd);
  }
  return s;
}

}  // namespace

Result<TensorDiff> CompareTensor(const TensorSource& base, std::size_t bi, const TensorSource& candidate,
                                 std::size_t ci, const Limits& limits, const SpectrumOptions* spectrum) {
  const TensorInfo& b = base.tensors()[bi];
  const TensorInfo& c = candidate.tensors()[ci];
  TensorDiff d;
  d.name = b.name;
  d.role = RoleOf(b.name, b.shape);
  d.layer = LayerOf(b.name);
  d.base_dtype = b.dtype;
  d.candidate_dtype = c.dtype;
  d.shape = b.shape;
  d.elements = b.elements;
  if (b.shape != c.shape || b.elements != c.elements) {
    return Status::InvalidArgument(b.name + ": shapes differ");
  }
  const bool same_encoding = b.dtype == c.dtype && b.big_endian == c.big_endian && !b.encoded.empty() &&
                             b.encoded.size() == c.encoded.size();
  if (same_encoding && std::memcmp(b.encoded.data(), c.encoded.data(), b.encoded.size()) == 0) {
    if (b.shape.size() == 2) d.rows = b.shape[0];
    return d;  // byte-identical: nothing changed (norms are not needed)
  }
  const bool bits = same_encoding && !b.big_endian && IsFloat(b.dtype);
  // A float tensor stored with another float dtype is compared with the
  // base rounded to the candidate's encoding, as a conversion would round it
  // (torch's .to(), numpy's astype: nearest even). A pure precision change
  // then shows no change at all, and an edit made before or after the
  // conversion still shows, bit positions included.
  const bool reencoded = !same_encoding && b.dtype != c.dtype && IsFloat(b.dtype) && IsFloat(c.dtype) &&
                         !c.big_endian && !c.encoded.empty();
  d.base_rounded = reencoded;
  if (bits || reencoded) d.encoding_bits = DTypeSize(c.dtype) * 8;

  const bool matrix = b.shape.size() == 2 && b.shape[0] > 0 && b.shape[1] > 0;
  const std::uint64_t cols = matrix ? b.shape[1] : 0;
  if (matrix) d.rows = b.shape[0];
  std::vector<double> row_delta2(matrix ? d.rows : 0, 0.0);
  std::vector<double> row_base2(matrix ? d.rows : 0, 0.0);
  // Not byte-identical, so ΔW is worth keeping for the spectrum (every
  // element is written by the pass below).
  std::unique_ptr<float[]> delta;
  if (spectrum != nullptr && matrix && d.elements <= limits.max_spectral_elements) delta = std::make_unique_for_overwrite<float[]>(d.elements);

  std::vector<float> fb(kCompareChunk), fc(kCompareChunk);
  double sb2 = 0, sd2 = 0, sbc = 0, sc2 = 0, max_abs = 0;
  std::uint64_t value_changed = 0;
  for (std::uint64_t first = 0; first < d.elements; first += kCompareChunk) {
    const std::uint64_t n = std::min<std::uint64_t>(kCompareChunk, d.elements - first);
    Status s = base.ReadF32(bi, first, n, fb.data());
    if (!s.ok()) return Status(s);
    s = candidate.ReadF32(ci, first, n, fc.data());
    if (!s.ok()) return Status(s);
    if (bits) {
      const std::uint64_t w = DTypeSize(b.dtype);
      const std::uint8_t* pa = b.encoded.data() + first * w;
      const std::uint8_t* pb = c.encoded.data() + first * w;
      if (w == 2) CountChangedBits<std::uint16_t>(pa, pb, n, &d);
      if (w == 4) CountChangedBits<std::uint32_t>(pa, pb, n, &d);
      if (w == 8) CountChangedBits<std::uint64_t>(pa, pb, n, &d);
    } else if (reencoded) {
      RoundToCandidateEncoding(c.dtype, fb.data(), n, c.encoded.data() + first * DTypeSize(c.dtype), &d);
    }
    // Row segments inside this chunk (a single segment for non-matrices).
    for (std::uint64_t k = 0; k < n;) {
      const std::uint64_t index = first + k;
      const std::uint64_t row = matrix ? index / cols : 0;
      const std::uint64_t seg_end = matrix ? std::min<std::uint64_t>(n, (row + 1) * cols - first) : n;
      SegmentSums seg = SumSegment(fb.data() + k, fc.data() + k, seg_end - k, delta ? delta.get() + index : nullptr);
      if (!seg.finite) {
        seg = SumSegmentCarefully(fb.data() + k, fc.data() + k, seg_end - k, delta ? delta.get() + index : nullptr,
                                  &d.nonfinite_introduced);
      }
      sb2 += seg.b2;
      sd2 += seg.d2;
      sbc += seg.bc;
      sc2 += seg.c2;
      max_abs = std::max(max_abs, seg.max_abs);
      value_changed += seg.changed;
      if (matrix) {
        row_base2[row] += seg.b2;
        row_delta2[row] += seg.d2;
      }
      k = seg_end;
    }
  }
  if (!bits && !reencoded) d.changed = value_changed;
  for (int bit = 63; bit >= 0; --bit) {
    if (d.highest_bit_histogram[bit] != 0) {
      d.highest_changed_bit = bit;
      break;
    }
  }
  d.base_norm = std::sqrt(sb2);
  d.delta_norm = std::sqrt(sd2);
  d.relative_change = d.base_norm > 0 ? d.delta_norm / d.base_norm : d.delta_norm;
  d.max_abs_change = max_abs;
  d.cosine = (sb2 > 0 && sc2 > 0) ? sbc / std::sqrt(sb2 * sc2) : (sb2 == 0 && sc2 == 0 ? 1.0 : 0.0);

  if (matrix) {
    std::vector<RowChange> changed_rows;
    for (std::uint64_t r = 0; r < d.rows; ++r) {
      if (row_delta2[r] <= 0) continue;
      RowChange rc;
      rc.row = r;
      rc.delta_norm = std::sqrt(row_delta2[r]);
      rc.relative = row_base2[r] > 0 ? rc.delta_norm / std::sqrt(row_base2[r]) : INFINITY;
      changed_rows.push_back(rc);
    }
    d.rows_changed = changed_rows.size();
    if (!changed_rows.empty()) {
      auto by_relative = [](const RowChange& a, const RowChange& b2) { return a.relative > b2.relative; };
      const std::size_t mid = changed_rows.size() / 2;
      std::nth_element(changed_rows.begin(), changed_rows.begin() + mid, changed_rows.end(), by_relative);
      d.median_row_relative = changed_rows[mid].relative;
      const std::size_t keep = std::min<std::size_t>(changed_rows.size(), limits.max_trigger_candidates);
      std::partial_sort(changed_rows.begin(), changed_rows.begin() + keep, changed_rows.end(), by_relative);
      changed_rows.resize(keep);
      d.top_rows = std::move(changed_rows);
    }
  }
  if (delta && sd2 > 0) {
    d.spectrum = AnalyseSpectrum(delta.get(), b.shape[0], b.shape[1], sd2, *spectrum);
  }
  return d;
}

}  // namespace modelgate::forensics
