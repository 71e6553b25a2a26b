#include "forensics/spectral.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <Eigen/Dense>

namespace modelgate::forensics {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Matrix = Eigen::MatrixXf;

// Orthonormal basis of the columns of `y` (thin QR).
Matrix Orthonormalise(const Matrix& y) {
  Eigen::HouseholderQR<Matrix> qr(y);
  return qr.householderQ() * Matrix::Identity(y.rows(), y.cols());
}

std::vector<double> TopSingularValues(const Eigen::Map<const RowMatrix>& a, const SpectrumOptions& opt) {
  const Eigen::Index rows = a.rows();
  const Eigen::Index cols = a.cols();
  const Eigen::Index l = std::min<Eigen::Index>(opt.sketch, std::min(rows, cols));
  std::mt19937_64 rng(opt.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Matrix omega(cols, l);
  for (Eigen::Index j = 0; j < l; ++j) {
    for (Eigen::Index i = 0; i < cols; ++i) omega(i, j) = normal(rng);
  }
  Matrix q = Orthonormalise(a * omega);  // rows x l
  for (std::uint32_t it = 0; it < opt.power_iterations; ++it) {
    Matrix z = Orthonormalise(a.transpose() * q);  // cols x l
    q = Orthonormalise(a * z);
  }
  Matrix b = q.transpose() * a;  // l x cols
  Eigen::BDCSVD<Matrix> svd(b);
  const auto& s = svd.singularValues();
  return std::vector<double>(s.data(), s.data() + s.size());
}

}  // namespace

Spectrum AnalyseSpectrum(const float* delta, std::uint64_t rows, std::uint64_t cols, double total_energy,
                         const SpectrumOptions& options) {
  Spectrum out;
  out.total_energy = total_energy;
  Eigen::Map<const RowMatrix> a(delta, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  if (std::min(rows, cols) <= options.exact_below) {
    Eigen::BDCSVD<Matrix> svd(a);
    const auto& s = svd.singularValues();
    out.singular_values.assign(s.data(), s.data() + s.size());
    out.exact = true;
  } else {
    out.singular_values = TopSingularValues(a, options);
  }
  std::vector<double>& sv = out.singular_values;
  std::sort(sv.begin(), sv.end(), std::greater<>());
  if (total_energy <= 0 || sv.empty() || sv[0] <= 0) return out;

  const double s1 = sv[0] * sv[0];
  out.top1_energy = std::min(1.0, s1 / total_energy);
  out.stable_rank = total_energy / s1;
  double cumulative = 0;
  double entropy = 0;
  for (std::size_t i = 0; i < sv.size(); ++i) {
    const double e = sv[i] * sv[i];
    cumulative += e;
    const double share = cumulative / total_energy;
    if (out.energy_rank90 == 0 && share >= 0.90) out.energy_rank90 = static_cast<std::uint32_t>(i + 1);
    if (out.energy_rank99 == 0 && share >= 0.99) out.energy_rank99 = static_cast<std::uint32_t>(i + 1);
    const double p = e / total_energy;
    if (p > 0) entropy -= p * std::log(p);
    if (sv[i] > 1e-3 * sv[0]) out.numerical_rank = static_cast<std::uint32_t>(i + 1);
  }
  const double rest = std::max(0.0, 1.0 - cumulative / total_energy);
  if (rest > 1e-12) entropy -= rest * std::log(rest);
  out.effective_rank = std::exp(entropy);
  out.rank_capped = !out.exact && out.numerical_rank == sv.size();
  return out;
}

}  // namespace modelgate::forensics
