// InspectTensors: one worker per tensor (ParallelFor hands tensors to `jobs`
// threads). Each worker streams its tensor three ways:
//   1. decoded values in chunks through TensorSource::ReadF32 (moments);
//   2. raw encoded bytes in chunks (lane histograms, exponents, low 16 bits);
//   3. the 1/2/3-low-byte streams in chunks, each window extended by
//      kSignatureLookahead bytes taken from the rest of the tensor and the
//      following tensors, so a file spread across tensor boundaries is still
//      seen whole while every start position is searched by exactly one
//      worker.
// Results land in per-tensor slots and are merged in tensor order, so the
// report does not depend on the number of jobs.
#include "forensics/inspect.h"

#include <algorithm>
#include <cmath>

#include "base/parallel.h"
#include "forensics/byte_stats.h"

namespace modelgate::forensics {
namespace {

constexpr std::uint64_t kChunkElements = 1 << 16;
constexpr double kHugeValue = 1e4;
constexpr int kSampleBlocks = 16;
// f32 tensors with at least this many non-zero values vote on bf16 storage.
constexpr std::uint64_t kSizableTensor = 256;

struct FloatLayout {
  int size = 0;
  int mantissa_bits = 0;
  int exponent_bits = 0;
  int bias = 0;
};

FloatLayout LayoutOf(DType t) {
  switch (t) {
    case DType::kF32: return {4, 23, 8, 127};
    case DType::kF16: return {2, 10, 5, 15};
    case DType::kBF16: return {2, 7, 8, 127};
    case DType::kF64: return {8, 52, 11, 1023};
    default: return {};
  }
}

// Byte `lane` (0 = least significant) of the element starting at `p`.
inline std::uint8_t LaneByte(const std::uint8_t* p, int size, bool big_endian, int lane) {
  return big_endian ? p[size - 1 - lane] : p[lane];
}

// Plain tensors must hold exactly elements * size bytes; anything else is not
// trusted (a loader bug or a lying header).
bool BytesUsable(const TensorInfo& t, std::string* why) {
  if (t.dtype == DType::kUnsupported) {
    *why = "unsupported dtype " + t.stored_dtype;
    return false;
  }
  if (t.elements > 0 && t.encoded.empty()) {
    *why = "tensor bytes not available";
    return false;
  }
  std::uint32_t size = DTypeSize(t.dtype);
  if (size != 0 && (t.elements > t.encoded.size() / size || t.encoded.size() != t.elements * size)) {
    *why = "encoded size " + std::to_string(t.encoded.size()) + " does not match " + std::to_string(t.elements) +
           " elements of " + std::string(DTypeName(t.dtype));
    return false;
  }
  return true;
}

// Appends lane bytes 0..k-1 of elements [first, first + count) of `t`.
void AppendLaneBytes(const TensorInfo& t, int k, std::uint64_t first, std::uint64_t count,
                     std::vector<std::uint8_t>* out) {
  const int size = static_cast<int>(DTypeSize(t.dtype));
  const std::uint8_t* p = t.encoded.data() + first * size;
  std::size_t at = out->size();
  out->resize(at + count * k);
  std::uint8_t* o = out->data() + at;
  if (!t.big_endian) {
    for (std::uint64_t e = 0; e < count; ++e, p += size, o += k) {
      for (int j = 0; j < k; ++j) o[j] = p[j];
    }
    return;
  }
  for (std::uint64_t e = 0; e < count; ++e, p += size, o += k) {
    for (int j = 0; j < k; ++j) o[j] = p[size - 1 - j];
  }
}

std::string Preview(const std::uint8_t* p, std::size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex, text;
  for (std::size_t i = 0; i < n; ++i) {
    hex += kHex[p[i] >> 4];
    hex += kHex[p[i] & 15];
    hex += ' ';
    text += (p[i] >= 0x20 && p[i] < 0x7f) ? static_cast<char>(p[i]) : '.';
  }
  return hex + "|" + text + "|";
}

// The per-element pass of Inspector::Lanes, instantiated per element size
// and byte order so the inner loop has no per-byte branches.
struct ElementCounts {
  const FloatLayout& L;
  bool f32;
  std::vector<LaneHistogram>& hist;
  std::vector<std::uint64_t>& exponents;
  TensorStats& s;

  template <int S, bool BE>
  void Run(const std::uint8_t* p, std::uint64_t elements) {
    const std::uint64_t exp_max = exponents.size() - 1;
    const std::uint64_t mant_mask = (std::uint64_t{1} << L.mantissa_bits) - 1;
    std::uint64_t preview_elements = 0;
    for (std::uint64_t e = 0; e < elements; ++e, p += S) {
      std::uint64_t bits = 0;
      for (int j = S - 1; j >= 0; --j) {
        const std::uint8_t b = BE ? p[S - 1 - j] : p[j];
        ++hist[j].counts[b];
        bits = (bits << 8) | b;
      }
      std::uint64_t exp = (bits >> L.mantissa_bits) & exp_max, mant = bits & mant_mask;
      if (exp == exp_max) {
        if (mant != 0) ++s.nan;
        else if ((bits >> (S * 8 - 1)) != 0) ++s.neg_inf;
        else ++s.pos_inf;
        continue;
      }
      if (exp == 0 && mant == 0) continue;  // +-0
      ++exponents[exp];
      if (!f32) continue;
      ++s.nonzero;
      if ((bits & 0xffff) == 0) {
        ++s.nonzero_low16_zero;
      } else {
        if (s.first_low16_set < 0) s.first_low16_set = static_cast<std::int64_t>(e);
        if (preview_elements < 8) {
          ++preview_elements;
          s.low16_preview += Preview(p + (BE ? S - 2 : 0), 2).substr(0, 6);  // "xx xx "
        }
      }
    }
  }
};

class Inspector {
 public:
  Inspector(const TensorSource& source, const InspectOptions& options) : src_(source), opt_(options) {
    const auto& ts = src_.tensors();
    stats_.resize(ts.size());
    hits_.resize(ts.size());
    raw_.resize(ts.size());
    usable_.resize(ts.size());
    for (std::size_t i = 0; i < ts.size(); ++i) usable_[i] = BytesUsable(ts[i], &stats_[i].problem);
    for (int k = 1; k <= 3; ++k) {
      auto& order = stream_members_[k - 1];
      auto& where = stream_index_[k - 1];
      where.assign(ts.size(), -1);
      for (std::size_t i = 0; i < ts.size(); ++i) {
        if (usable_[i] && IsFloat(ts[i].dtype) && static_cast<std::uint32_t>(k) < DTypeSize(ts[i].dtype)) {
          where[i] = static_cast<std::int64_t>(order.size());
          order.push_back(i);
        }
      }
    }
  }

  InspectReport Run() {
    ParallelFor(stats_.size(), opt_.jobs, [this](std::size_t i) { Tensor(i); });
    return Merge();
  }

 private:
  void Tensor(std::size_t i) {
    const TensorInfo& t = src_.tensors()[i];
    TensorStats& s = stats_[i];
    s.name = t.name;
    s.dtype = t.dtype;
    s.shape = t.shape;
    s.elements = t.elements;
    if (!usable_[i]) return;
    if (!Values(i)) return;
    if (IsFloat(t.dtype)) {
      Lanes(i);
      for (int k = 1; k <= 3; ++k) {
        if (stream_index_[k - 1][i] >= 0) Scan(i, k);
      }
    }
    s.analysed = true;
  }

  bool Values(std::size_t i) {
    const TensorInfo& t = src_.tensors()[i];
    TensorStats& s = stats_[i];
    std::vector<float> buf(std::min(kChunkElements, t.elements));
    ValueMoments m;
    for (std::uint64_t e = 0; e < t.elements; e += kChunkElements) {
      std::uint64_t n = std::min(kChunkElements, t.elements - e);
      Status st = src_.ReadF32(i, e, n, buf.data());
      if (!st.ok()) {
        s.problem = "could not decode: " + st.ToString();
        return false;
      }
      m.Add(buf.data(), n);
      for (std::uint64_t j = 0; j < n; ++j) {
        float x = buf[j];
        if (x == 0) ++s.zeros;
        if (std::isfinite(x) && std::fabs(x) > kHugeValue) ++s.huge;
        if (!IsFloat(t.dtype) && std::isnan(x)) ++s.nan;  // floats: counted from raw bits
      }
    }
    s.finite = m.count();
    s.mean = m.mean();
    s.stddev = m.stddev();
    s.min = m.min();
    s.max = m.max();
    s.excess_kurtosis = m.excess_kurtosis();
    return true;
  }

  void Lanes(std::size_t i) {
    const TensorInfo& t = src_.tensors()[i];
    TensorStats& s = stats_[i];
    const FloatLayout L = LayoutOf(t.dtype);
    std::vector<LaneHistogram> hist(L.size);
    std::vector<std::uint64_t> exponents(std::size_t{1} << L.exponent_bits);
    ElementCounts c{L, t.dtype == DType::kF32, hist, exponents, s};
    switch (L.size * 2 + (t.big_endian ? 1 : 0)) {
      case 4: c.Run<2, false>(t.encoded.data(), t.elements); break;
      case 5: c.Run<2, true>(t.encoded.data(), t.elements); break;
      case 8: c.Run<4, false>(t.encoded.data(), t.elements); break;
      case 9: c.Run<4, true>(t.encoded.data(), t.elements); break;
      case 16: c.Run<8, false>(t.encoded.data(), t.elements); break;
      default: c.Run<8, true>(t.encoded.data(), t.elements); break;
    }
    std::uint64_t nonzero = 0;
    for (std::uint64_t c : exponents) nonzero += c;
    std::uint64_t seen = 0;
    bool first = true, got50 = false, got9999 = false;
    for (std::size_t e = 0; e < exponents.size(); ++e) {
      if (exponents[e] == 0) continue;
      int unbiased = (e == 0 ? 1 : static_cast<int>(e)) - L.bias;
      if (first) s.exponent_min = unbiased, first = false;
      s.exponent_max = unbiased;
      seen += exponents[e];
      if (!got50 && seen * 2 >= nonzero) s.exponent_p50 = unbiased, got50 = true;
      if (!got9999 && seen * 10000 >= nonzero * 9999) s.exponent_p9999 = unbiased, got9999 = true;
    }
    if (nonzero > 0) {
      double diff = 0, noise = 0;
      for (std::size_t e = 2; e + 1 < exponents.size() - 1; e += 2) {  // normal exponents only
        double a = static_cast<double>(exponents[e]), b = static_cast<double>(exponents[e + 1]);
        diff += std::fabs(a - b);
        noise += std::sqrt(2.0 / 3.141592653589793) * std::sqrt(a + b);
      }
      std::uint64_t mode = *std::max_element(exponents.begin(), exponents.end());
      s.exponent_mode_share = static_cast<double>(mode) / static_cast<double>(nonzero);
      s.exponent_pair_imbalance = diff / static_cast<double>(nonzero);
      s.exponent_pair_imbalance_random = noise / static_cast<double>(nonzero);
    }
    // zlib ratio per lane of kSampleBlocks blocks spread over the tensor.
    const std::uint64_t block = std::max<std::uint64_t>(1, opt_.lane_sample_bytes / kSampleBlocks);
    std::vector<std::vector<std::uint8_t>> samples(L.size);
    for (int b = 0; b < kSampleBlocks; ++b) {
      std::uint64_t start = t.elements * b / kSampleBlocks;
      std::uint64_t end = std::min(t.elements, std::max(start, t.elements * (b + 1) / kSampleBlocks));
      end = std::min(end, start + block);
      for (std::uint64_t e = start; e < end; ++e) {
        const std::uint8_t* q = t.encoded.data() + e * L.size;
        for (int j = 0; j < L.size; ++j) samples[j].push_back(LaneByte(q, L.size, t.big_endian, j));
      }
    }
    s.lanes.resize(L.size);
    for (int j = 0; j < L.size; ++j) {
      hist[j].total = t.elements;
      s.lanes[j].entropy_bits = hist[j].EntropyBits();
      s.lanes[j].chi_square = hist[j].ChiSquareUniform();
      s.lanes[j].printable_fraction = hist[j].PrintableFraction();
      s.lanes[j].zlib_ratio = ZlibRatio(samples[j]);
    }
  }

  // Lane bytes 0..k-1 following element `after` of stream member `pos`:
  // rest of that tensor, then the next members, up to `need` bytes.
  void AppendLookahead(int k, std::size_t pos, std::uint64_t after, std::size_t need,
                       std::vector<std::uint8_t>* window) const {
    const auto& members = stream_members_[k - 1];
    std::size_t target = window->size() + need;
    for (; pos < members.size() && window->size() < target; ++pos, after = 0) {
      const TensorInfo& t = src_.tensors()[members[pos]];
      if (after >= t.elements) continue;
      std::uint64_t want = (target - window->size() + k - 1) / k;
      AppendLaneBytes(t, k, after, std::min<std::uint64_t>(want, t.elements - after), window);
    }
  }

  void Scan(std::size_t i, int k) {
    const TensorInfo& t = src_.tensors()[i];
    const std::size_t pos = static_cast<std::size_t>(stream_index_[k - 1][i]);
    int prev = -1;
    if (pos > 0) {
      const TensorInfo& before = src_.tensors()[stream_members_[k - 1][pos - 1]];
      if (before.elements > 0) {
        int size = static_cast<int>(DTypeSize(before.dtype));
        prev = LaneByte(before.encoded.data() + (before.elements - 1) * size, size, before.big_endian, k - 1);
      }
    }
    std::vector<std::uint8_t> window;
    std::vector<SignatureMatch> matches;
    RawMagicCounts& raw = raw_[i][k - 1];
    for (std::uint64_t e = 0; e < t.elements; e += kChunkElements) {
      std::uint64_t n = std::min(kChunkElements, t.elements - e);
      window.clear();
      AppendLaneBytes(t, k, e, n, &window);
      std::size_t scan_end = window.size();
      AppendLookahead(k, pos, e + n, kSignatureLookahead, &window);
      matches.clear();
      FindSignatures(window, scan_end, prev, opt_.max_signature_matches, &matches, &raw);
      for (const SignatureMatch& m : matches) {
        if (hits_[i].size() >= opt_.max_signature_matches) break;
        SignatureHit h;
        h.signature = m.signature;
        h.lanes = k;
        h.tensor = i;
        h.element = e + m.position / k;
        h.length = m.length;
        h.preview = Preview(window.data() + m.position, std::min<std::size_t>(16, window.size() - m.position));
        hits_[i].push_back(std::move(h));
      }
      prev = window[scan_end - 1];
    }
  }

  InspectReport Merge() {
    InspectReport r;
    r.problems = src_.problems();
    for (int k = 1; k <= 3; ++k) r.streams[k - 1].lanes = k;
    for (std::size_t i = 0; i < stats_.size(); ++i) {
      const TensorInfo& t = src_.tensors()[i];
      for (int k = 1; k <= 3; ++k) {
        r.streams[k - 1].raw.Add(raw_[i][k - 1]);
        if (stream_index_[k - 1][i] >= 0) r.streams[k - 1].positions += t.elements * k;
      }
      for (SignatureHit& h : hits_[i]) {
        if (r.hits.size() < opt_.max_signature_matches) r.hits.push_back(std::move(h));
        else ++r.hits_dropped;
      }
      const TensorStats& s = stats_[i];
      if (s.analysed) r.bytes_analysed += t.encoded.size();
      if (s.analysed && t.dtype == DType::kF32) {
        r.f32_nonzero += s.nonzero;
        r.f32_nonzero_low16_zero += s.nonzero_low16_zero;
        if (s.nonzero > 0 && s.nonzero == s.nonzero_low16_zero) r.f32_elements_in_bf16_tensors += s.nonzero;
      }
    }
    // bf16 training leaves the low 16 bits of every f32 value zero, while
    // genuine f32 values have them zero once in 65536, so a sizable tensor
    // whose values are all bf16 was not trained in f32. The model counts as
    // bf16-stored when most values are bf16, or when at least half of its
    // sizable tensors (or of their values) are entirely bf16: a payload may
    // rewrite the other half of a small model.
    std::uint64_t sizable = 0, sizable_clean = 0;
    for (const TensorStats& s : stats_) {
      if (!s.analysed || s.dtype != DType::kF32 || s.nonzero < kSizableTensor) continue;
      ++sizable;
      if (s.nonzero == s.nonzero_low16_zero) ++sizable_clean;
    }
    if (r.f32_nonzero >= 1024) {
      double zero_share = static_cast<double>(r.f32_nonzero_low16_zero) / static_cast<double>(r.f32_nonzero);
      double clean_share =
          static_cast<double>(r.f32_elements_in_bf16_tensors) / static_cast<double>(r.f32_nonzero);
      r.bf16_stored_as_f32 = zero_share >= 0.9 || clean_share >= 0.5 || (sizable > 0 && 2 * sizable_clean >= sizable);
    }
    r.tensors = std::move(stats_);
    return r;
  }

  const TensorSource& src_;
  const InspectOptions& opt_;
  std::vector<TensorStats> stats_;
  std::vector<std::vector<SignatureHit>> hits_;
  std::vector<std::array<RawMagicCounts, 3>> raw_;
  std::vector<bool> usable_;  // written before the workers start, read-only after
  std::array<std::vector<std::size_t>, 3> stream_members_;   // tensors in each low-byte stream, in order
  std::array<std::vector<std::int64_t>, 3> stream_index_;    // tensor -> position in stream_members_, or -1
};

}  // namespace

InspectOptions InspectOptions::FromLimits(const Limits& limits, unsigned jobs) {
  InspectOptions o;
  o.jobs = jobs;
  o.lane_sample_bytes = limits.max_inspect_lane_sample_bytes;
  o.max_signature_matches = limits.max_inspect_signature_matches;
  return o;
}

double LaneStream::ExpectedChance(Signature s) const {
  std::uint32_t bytes = SignatureMagicBytes(s);
  if (bytes == 0) return 0;
  return static_cast<double>(positions) / std::pow(256.0, bytes);
}

InspectReport InspectTensors(const TensorSource& source, const InspectOptions& options) {
  return Inspector(source, options).Run();
}

}  // namespace modelgate::forensics
