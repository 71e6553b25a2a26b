// Statistics of the bytes and values of one tensor, accumulated chunk by
// chunk so a tensor is streamed, never copied whole.
//
//   LaneHistogram  the 256-bin histogram of one byte position ("lane") of the
//                  encoding: lane 0 is the least significant byte.
//   ValueMoments   count, mean, std, min, max and excess kurtosis of the
//                  finite decoded values (shifted power sums in double).
#ifndef MODELGATE_FORENSICS_BYTE_STATS_H_
#define MODELGATE_FORENSICS_BYTE_STATS_H_

#include <array>
#include <cstdint>

#include "modelgate/byte_reader.h"

namespace modelgate::forensics {

struct LaneHistogram {
  std::array<std::uint64_t, 256> counts{};
  std::uint64_t total = 0;

  // Shannon entropy of the byte distribution, in bits (0..8); 0 when empty.
  double EntropyBits() const;
  // Pearson chi-square statistic against the uniform distribution (255
  // degrees of freedom: ~255 +- 23 for uniform bytes); 0 when empty.
  double ChiSquareUniform() const;
  // Share of bytes that are printable ASCII (0x20..0x7e, tab, LF, CR):
  // 97/256 = 0.379 for uniform bytes.
  double PrintableFraction() const;
};

// zlib level-1 compressed size / input size (about 1.0 for random bytes,
// lower for structured ones); 1.0 for an empty input. Returns -1 if zlib
// fails.
double ZlibRatio(ByteView sample);

class ValueMoments {
 public:
  // Adds finite values only (the caller counts NaN/Inf from the raw bits).
  void Add(const float* values, std::size_t n);
  std::uint64_t count() const { return n_; }
  double mean() const;
  double stddev() const;               // population standard deviation
  double excess_kurtosis() const;      // m4 / m2^2 - 3; 0 when m2 == 0 or n < 4
  double min() const { return min_; }
  double max() const { return max_; }

 private:
  bool shifted_ = false;
  double shift_ = 0;                   // first value seen: keeps the power sums well conditioned
  double s1_ = 0, s2_ = 0, s3_ = 0, s4_ = 0;
  std::uint64_t n_ = 0;
  double min_ = 0, max_ = 0;
};

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_BYTE_STATS_H_
