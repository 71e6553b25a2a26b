// Statistics: see stats.h.
//
//   Wilson interval   (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
//   pooled z-test     z = (p2 - p1) / sqrt(p(1-p)(1/n1 + 1/n2)), p = (k1+k2)/(n1+n2)
//   Fisher's exact    hypergeometric probabilities of every table with the
//                     observed margins, summed over those no more likely than
//                     the observed one (with R's relative tolerance 1e-7)
//   normal quantile   Acklam's rational approximation, refined by one Halley
//                     step on erfc (relative error near 1e-15)
#include "eval/suite/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace modelgate::eval {
namespace {

double LogChoose(std::uint64_t n, std::uint64_t k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

double NormalUpperTail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

}  // namespace

double NormalQuantile(double p) {
  if (!(p > 0 && p < 1)) {
    if (p == 0) return -std::numeric_limits<double>::infinity();
    if (p == 1) return std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x;
  if (p < kLow) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - kLow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // Halley refinement: e = Phi(x) - p, with Phi from erfc (accurate in the tails).
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

Interval WilsonInterval(std::uint64_t k, std::uint64_t n, double level) {
  if (n == 0 || k > n) return Interval{0, 1};
  const double z = NormalQuantile(1 - (1 - level) / 2);
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z * z;
  const double denom = 1 + z2 / nn;
  const double center = (p + z2 / (2 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  Interval ci{std::max(0.0, center - half), std::min(1.0, center + half)};
  if (k == 0) ci.low = 0;   // exact at the boundaries, not 1e-17 off
  if (k == n) ci.high = 1;
  return ci;
}

double FisherExactTwoSided(std::uint64_t k1, std::uint64_t n1, std::uint64_t k2, std::uint64_t n2) {
  if (k1 > n1 || k2 > n2) return std::numeric_limits<double>::quiet_NaN();
  const std::uint64_t n = n1 + n2;
  const std::uint64_t col = k1 + k2;  // successes overall
  if (n1 == 0 || n2 == 0 || col == 0 || col == n) return 1.0;
  const std::uint64_t lo = col > n2 ? col - n2 : 0;
  const std::uint64_t hi = std::min(n1, col);
  const double log_total = LogChoose(n, col);
  auto log_prob = [&](std::uint64_t x) { return LogChoose(n1, x) + LogChoose(n2, col - x) - log_total; };
  const double observed = log_prob(k1);
  // Tables at most as likely as the observed one; relative tolerance as in
  // R's fisher.test so that ties computed with rounding error are counted.
  const double threshold = observed + std::log1p(1e-7);
  double sum = 0;  // of exp(log_prob - observed), so the observed table adds 1
  for (std::uint64_t x = lo; x <= hi; ++x) {
    const double lp = log_prob(x);
    if (lp <= threshold) sum += std::exp(lp - observed);
  }
  return std::min(1.0, std::exp(observed) * sum);
}

TwoProportionTest CompareProportions(std::uint64_t k1, std::uint64_t n1, std::uint64_t k2, std::uint64_t n2) {
  TwoProportionTest t;
  if (n1 == 0 || n2 == 0) return t;
  const double a = static_cast<double>(n1), b = static_cast<double>(n2);
  t.p1 = static_cast<double>(k1) / a;
  t.p2 = static_cast<double>(k2) / b;
  t.difference = t.p2 - t.p1;
  const double pooled = static_cast<double>(k1 + k2) / (a + b);
  const double se = std::sqrt(pooled * (1 - pooled) * (1 / a + 1 / b));
  if (se > 0) t.z = t.difference / se;
  // Expected counts of the 2x2 table under the null hypothesis.
  const double total = a + b, successes = static_cast<double>(k1 + k2), failures = total - successes;
  const double min_expected = std::min({a * successes, a * failures, b * successes, b * failures}) / total;
  if (min_expected < 5) {
    t.exact = true;
    t.p_value = FisherExactTwoSided(k1, n1, k2, n2);
  } else {
    t.p_value = se > 0 ? std::min(1.0, 2 * NormalUpperTail(std::fabs(t.z))) : 1.0;
  }
  return t;
}

}  // namespace modelgate::eval
