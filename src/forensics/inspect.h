// Weight forensics without a base model (`modelgate inspect MODEL`): what the
// stored bytes of every tensor say on their own.
//
// Per float tensor (f32, f16, bf16, f64) the encoding is streamed in chunks:
// value statistics (mean, std, kurtosis, NaN/Inf, zeros), per-byte-lane
// statistics (entropy, chi-square against uniform, printable share, zlib
// ratio of a bounded sample), exponent histogram summary and, for f32, the
// share of values whose low 16 bits are zero (bf16 stored as f32). The
// low-byte streams (lowest byte, lowest two, lowest three of every element,
// across the whole model in file order) are searched for embedded files
// (signature_scan.h). Integer and block-quantised tensors get value
// statistics only. InspectFindings() turns the report into findings; the
// thresholds are documented in docs/forensics/inspect.md.
#ifndef MODELGATE_FORENSICS_INSPECT_H_
#define MODELGATE_FORENSICS_INSPECT_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "forensics/signature_scan.h"
#include "forensics/tensor_source.h"
#include "modelgate/finding.h"
#include "modelgate/limits.h"

namespace modelgate::forensics {

struct InspectOptions {
  unsigned jobs = 1;               // worker threads (tensors are spread over them)
  std::uint64_t lane_sample_bytes = 64 << 10;  // per lane, for the zlib ratio
  std::size_t max_signature_matches = 64;      // kept per model (more are counted)
  static InspectOptions FromLimits(const Limits& limits, unsigned jobs);
};

struct LaneStats {
  double entropy_bits = 0;
  double chi_square = 0;           // against uniform, 255 degrees of freedom
  double printable_fraction = 0;
  double zlib_ratio = 1;           // of the sample
};

struct TensorStats {
  std::string name;
  DType dtype = DType::kUnsupported;
  std::vector<std::uint64_t> shape;
  std::uint64_t elements = 0;
  bool analysed = false;           // false: `problem` says why not
  std::string problem;

  // Values (decoded; finite values only in the moments).
  std::uint64_t finite = 0, nan = 0, pos_inf = 0, neg_inf = 0, zeros = 0;
  double mean = 0, stddev = 0, min = 0, max = 0, excess_kurtosis = 0;

  // Float encodings only.
  std::vector<LaneStats> lanes;    // lane 0 = least significant byte
  int exponent_min = 0, exponent_max = 0;  // unbiased, over non-zero finite values
  int exponent_p50 = 0, exponent_p9999 = 0;
  std::uint64_t huge = 0;          // finite |x| > 1e4
  // Sum over exponent pairs (2k, 2k+1) of |count difference|, over the
  // non-zero finite values; and what uniform random exponent low bits would
  // give (sum of sqrt(2/pi) * sqrt(pair count)). Trained weights have a
  // smooth exponent histogram (neighbours differ); random bytes written
  // over the exponent's lowest bit (f32 byte 2, bf16 byte 0) equalise pairs.
  double exponent_pair_imbalance = 0, exponent_pair_imbalance_random = 0;
  double exponent_mode_share = 0;  // share of non-zero finite values in the most common exponent

  // f32 only: non-zero elements, and those whose low 16 bits are zero.
  std::uint64_t nonzero = 0, nonzero_low16_zero = 0;
  std::int64_t first_low16_set = -1;  // first non-zero element with low 16 bits set
  std::string low16_preview;          // hex of the first such elements' low 16 bits (LE)
};

struct SignatureHit {
  Signature signature;
  int lanes = 1;                   // 1: byte 0; 2: bytes 0-1; 3: bytes 0-2
  std::size_t tensor = 0;          // index into InspectReport::tensors
  std::uint64_t element = 0;       // element holding the first byte
  std::uint32_t length = 0;        // confirmed bytes
  std::string preview;             // first 16 bytes: hex, then printable rendering
};

struct LaneStream {
  int lanes = 1;
  std::uint64_t positions = 0;     // bytes searched
  RawMagicCounts raw;              // magic hits before confirmation
  // Raw hits expected by chance for signature s: positions / 256^magic bytes.
  double ExpectedChance(Signature s) const;
};

struct InspectReport {
  std::vector<TensorStats> tensors;        // TensorSource order
  std::vector<TensorProblem> problems;     // from the source
  std::vector<SignatureHit> hits;          // in model order, at most max_signature_matches
  std::uint64_t hits_dropped = 0;
  std::array<LaneStream, 3> streams;       // 1, 2 and 3 low bytes
  std::uint64_t bytes_analysed = 0;

  // bf16 stored as f32 (model level).
  std::uint64_t f32_nonzero = 0, f32_nonzero_low16_zero = 0;
  std::uint64_t f32_elements_in_bf16_tensors = 0;  // non-zero elements of tensors whose low 16 bits are all zero
  bool bf16_stored_as_f32 = false;
};

// Analyses every tensor of `source`. Never fails: tensors that cannot be
// read are marked (analysed = false, problem set). Thread-safe with respect
// to `source` (read only); uses options.jobs threads.
InspectReport InspectTensors(const TensorSource& source, const InspectOptions& options);

// The findings for a report about the model at `path` (the thresholds are
// in docs/forensics/inspect.md). Always includes INSPECT-NO-BASE-LIMITS.
std::vector<Finding> InspectFindings(const InspectReport& report, const std::string& path);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_INSPECT_H_
