#include "forensics/tensor_compare.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <memory>

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

}  // namespace

Result<TensorDiff> CompareTensor(const TensorSource& base, std::size_t bi, const TensorSource& candidate,
                                 std::size_t ci, const Limits& limits, const SpectrumOptions& spectrum) {
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
  if (bits) d.encoding_bits = DTypeSize(b.dtype) * 8;

  const bool matrix = b.shape.size() == 2 && b.shape[0] > 0 && b.shape[1] > 0;
  const std::uint64_t cols = matrix ? b.shape[1] : 0;
  if (matrix) d.rows = b.shape[0];
  std::vector<double> row_delta2(matrix ? d.rows : 0, 0.0);
  std::vector<double> row_base2(matrix ? d.rows : 0, 0.0);
  std::unique_ptr<float[]> delta;
  const bool keep_delta = matrix && d.elements <= limits.max_spectral_elements;

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
    }
    // Row segments inside this chunk (a single segment for non-matrices).
    std::uint64_t k = 0;
    while (k < n) {
      const std::uint64_t index = first + k;
      const std::uint64_t row = matrix ? index / cols : 0;
      const std::uint64_t seg_end = matrix ? std::min<std::uint64_t>(n, (row + 1) * cols - first) : n;
      double seg_b2 = 0, seg_d2 = 0;
      for (; k < seg_end; ++k) {
        const float x = fb[k];
        const float y = fc[k];
        if (!std::isfinite(x) || !std::isfinite(y)) [[unlikely]] {
          if (std::isfinite(x)) ++d.nonfinite_introduced;
          if (std::memcmp(&x, &y, sizeof x) != 0) ++value_changed;
          continue;
        }
        const double dd = static_cast<double>(y) - static_cast<double>(x);
        if (dd != 0 || std::memcmp(&x, &y, sizeof x) != 0) {
          ++value_changed;
          if (keep_delta) {
            if (!delta) delta = std::make_unique<float[]>(d.elements);  // zero-initialised
            delta[first + k] = static_cast<float>(dd);
          }
        }
        seg_b2 += static_cast<double>(x) * x;
        seg_d2 += dd * dd;
        sbc += static_cast<double>(x) * y;
        sc2 += static_cast<double>(y) * y;
        max_abs = std::max(max_abs, std::fabs(dd));
      }
      sb2 += seg_b2;
      sd2 += seg_d2;
      if (matrix) {
        row_base2[row] += seg_b2;
        row_delta2[row] += seg_d2;
      }
    }
  }
  if (!bits) d.changed = value_changed;
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
    d.spectrum = AnalyseSpectrum(delta.get(), b.shape[0], b.shape[1], sd2, spectrum);
  }
  return d;
}

}  // namespace modelgate::forensics
