#include "forensics/byte_stats.h"

#include <zlib.h>

#include <cmath>
#include <vector>

namespace modelgate::forensics {

double LaneHistogram::EntropyBits() const {
  if (total == 0) return 0;
  double h = 0;
  for (std::uint64_t c : counts) {
    if (c == 0) continue;
    double p = static_cast<double>(c) / static_cast<double>(total);
    h -= p * std::log2(p);
  }
  return h;
}

double LaneHistogram::ChiSquareUniform() const {
  if (total == 0) return 0;
  double expected = static_cast<double>(total) / 256.0;
  double chi = 0;
  for (std::uint64_t c : counts) {
    double d = static_cast<double>(c) - expected;
    chi += d * d / expected;
  }
  return chi;
}

double LaneHistogram::PrintableFraction() const {
  if (total == 0) return 0;
  std::uint64_t n = counts['\t'] + counts['\n'] + counts['\r'];
  for (int c = 0x20; c < 0x7f; ++c) n += counts[c];
  return static_cast<double>(n) / static_cast<double>(total);
}

double ZlibRatio(ByteView sample) {
  if (sample.empty()) return 1.0;
  uLongf cap = compressBound(static_cast<uLong>(sample.size()));
  std::vector<Bytef> out(cap);
  if (compress2(out.data(), &cap, sample.data(), static_cast<uLong>(sample.size()), 1) != Z_OK) return -1;
  return static_cast<double>(cap) / static_cast<double>(sample.size());
}

void ValueMoments::Add(const float* values, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    double x = values[i];
    if (!std::isfinite(x)) continue;
    if (!shifted_) {
      shifted_ = true;
      shift_ = x;
      min_ = max_ = x;
    }
    min_ = x < min_ ? x : min_;
    max_ = x > max_ ? x : max_;
    double d = x - shift_, d2 = d * d;
    s1_ += d;
    s2_ += d2;
    s3_ += d2 * d;
    s4_ += d2 * d2;
    ++n_;
  }
}

double ValueMoments::mean() const { return n_ == 0 ? 0 : shift_ + s1_ / static_cast<double>(n_); }

double ValueMoments::stddev() const {
  if (n_ == 0) return 0;
  double n = static_cast<double>(n_), m = s1_ / n;
  double var = s2_ / n - m * m;
  return var > 0 ? std::sqrt(var) : 0;
}

double ValueMoments::excess_kurtosis() const {
  if (n_ < 4) return 0;
  double n = static_cast<double>(n_);
  double m1 = s1_ / n, e2 = s2_ / n, e3 = s3_ / n, e4 = s4_ / n;
  double m2 = e2 - m1 * m1;
  if (!(m2 > 0)) return 0;
  double m4 = e4 - 4 * m1 * e3 + 6 * m1 * m1 * e2 - 3 * m1 * m1 * m1 * m1;
  return m4 / (m2 * m2) - 3.0;
}

}  // namespace modelgate::forensics
