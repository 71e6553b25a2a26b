// CompareTensor: the elementwise and spectral comparison of one tensor of a
// base model with the tensor of the same name in a candidate.
//
// One streaming pass over both encodings (chunks of kCompareChunk elements,
// no full copies) computes: changed elements, ||base||, ||Δ||, max |Δ|,
// cosine, per-row change energy of matrices, and, when both tensors share a
// plain float encoding, which bit positions of the encoding changed (the
// highest changed bit of each element, so "only the lowest byte changed" is
// exact). Byte-identical tensors take a memcmp fast path. Changed matrices
// small enough (Limits::max_spectral_elements) keep ΔW for AnalyseSpectrum.
#ifndef MODELGATE_FORENSICS_TENSOR_COMPARE_H_
#define MODELGATE_FORENSICS_TENSOR_COMPARE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "forensics/spectral.h"
#include "forensics/tensor_role.h"
#include "forensics/tensor_source.h"
#include "modelgate/limits.h"

namespace modelgate::forensics {

inline constexpr std::uint64_t kCompareChunk = 1 << 14;

// How much one row of a matrix changed (rows are tokens in an embedding).
struct RowChange {
  std::uint64_t row = 0;
  double delta_norm = 0;     // ||Δ_row||
  double relative = 0;       // ||Δ_row|| / ||base_row|| (inf when the base row is 0)
};

struct TensorDiff {
  std::string name;
  TensorRole role = TensorRole::kOther;
  int layer = -1;
  DType base_dtype = DType::kUnsupported;
  DType candidate_dtype = DType::kUnsupported;
  std::vector<std::uint64_t> shape;        // the base's (equal to the candidate's when compared)
  std::uint64_t elements = 0;
  std::uint64_t changed = 0;               // elements whose encoding (or value) differs
  double base_norm = 0;                    // ||base||_F
  double delta_norm = 0;                   // ||Δ||_F
  double relative_change = 0;              // ||Δ|| / ||base|| (||Δ|| when the base is 0)
  double max_abs_change = 0;
  double cosine = 1;                       // cos(base, candidate); 1 when both are 0
  std::uint64_t nonfinite_introduced = 0;  // NaN/Inf in the candidate where the base was finite
  // The dtypes differ and the base was rounded to the candidate's float
  // encoding before comparing (changed == 0 then means a pure precision
  // change); bits below then refer to the candidate's encoding.
  bool base_rounded = false;
  // Bit positions (same plain float encoding, or a rounded base): histogram of each
  // changed element's highest differing bit (0 = least significant), and the
  // OR of every difference. encoding_bits is 0 when not computed.
  std::uint32_t encoding_bits = 0;
  std::array<std::uint64_t, 64> highest_bit_histogram{};
  std::uint64_t changed_bits_mask = 0;
  int highest_changed_bit = -1;            // -1: none (or not computed)
  // Matrices: rows with any change, and the rows that changed most
  // (relative), at most Limits::max_trigger_candidates.
  std::uint64_t rows = 0;
  std::uint64_t rows_changed = 0;
  std::vector<RowChange> top_rows;
  double median_row_relative = 0;          // over changed rows
  std::optional<Spectrum> spectrum;        // changed matrices within the spectral limit
};

// Compares tensor `bi` of `base` with tensor `ci` of `candidate`. Shapes
// must be equal (the caller reports shape changes). `spectrum` null skips
// the spectral analysis (and keeping ΔW). Returns a non-OK status when
// either tensor cannot be decoded.
Result<TensorDiff> CompareTensor(const TensorSource& base, std::size_t bi, const TensorSource& candidate,
                                 std::size_t ci, const Limits& limits, const SpectrumOptions* spectrum);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_TENSOR_COMPARE_H_
