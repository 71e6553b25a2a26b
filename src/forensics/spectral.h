// Truncated spectral analysis of a weight change ΔW (rows x cols, row-major
// floats): the few largest singular values, found by a randomised range
// finder with power iterations (Halko, Martinsson & Tropp 2011, algorithms
// 4.3/4.4) on Eigen, or by an exact SVD when the matrix is small.
//
// Why the top of the spectrum is enough: a knowledge edit (ROME) is rank
// one, MEMIT rank <= the number of edited facts per layer, a merged LoRA rank
// <= r; a fine-tune spreads energy over hundreds of directions. The total
// energy ||ΔW||_F^2 is known exactly from the elementwise pass, so the share
// of the top singular values is exact up to the accuracy of the estimates.
#ifndef MODELGATE_FORENSICS_SPECTRAL_H_
#define MODELGATE_FORENSICS_SPECTRAL_H_

#include <cstdint>
#include <vector>

namespace modelgate::forensics {

struct SpectrumOptions {
  std::uint32_t sketch = 40;          // columns of the random test matrix (rank seen + oversampling)
  std::uint32_t power_iterations = 2; // sharpen the spectrum on slowly decaying changes
  std::uint32_t exact_below = 160;    // min(rows, cols) at or below this: exact SVD
  std::uint64_t seed = 0x6d6f64656c676174ull;  // fixed: results are reproducible
};

struct Spectrum {
  std::vector<double> singular_values;  // largest first (at most `sketch`, or all when exact)
  bool exact = false;                   // from a full SVD
  double total_energy = 0;              // ||ΔW||_F^2 as given
  double top1_energy = 0;               // σ1² / total (0 when total is 0)
  double stable_rank = 0;               // total / σ1²
  // Singular values needed to hold 90% / 99% of the energy; 0 when the
  // estimates do not reach that share (more than the sketch can see).
  std::uint32_t energy_rank90 = 0;
  std::uint32_t energy_rank99 = 0;
  // Singular values above 1e-3 σ1 among those computed (the numerical rank
  // of an exactly low-rank update such as a merged LoRA; capped by the
  // sketch, see `rank_capped`).
  std::uint32_t numerical_rank = 0;
  bool rank_capped = false;             // every computed value was above the cut
  // Effective rank (Roy & Vetterli): exp of the entropy of σi²/total over the
  // computed values, with the unseen remainder counted as one more term.
  double effective_rank = 0;
};

// Spectrum of the rows x cols row-major matrix `delta` whose squared
// Frobenius norm is `total_energy`. REQUIRES: rows, cols > 0.
Spectrum AnalyseSpectrum(const float* delta, std::uint64_t rows, std::uint64_t cols, double total_energy,
                         const SpectrumOptions& options = {});

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_SPECTRAL_H_
