// Fuzz target for the tensor loaders: the input is given to each byte-level
// loader (safetensors, GGUF, npy/npz), then every tensor is decoded with
// ReadF32 in chunks. Loaders promise that a non-empty `encoded` view holds
// every element, so a decode error there is a loader bug (abort), and an
// overrun in the decoder shows up under ASan.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "forensics/tensor_source.h"

namespace {

using modelgate::ByteView;
using modelgate::Limits;
using modelgate::Status;
using modelgate::forensics::TensorSource;

void DecodeAll(const TensorSource& s, const std::uint8_t* data, std::size_t size) {
  constexpr std::uint64_t kChunk = 1000;          // not a multiple of the 32-element block
  constexpr std::uint64_t kMaxPerTensor = 1u << 16;  // keeps each input fast
  std::vector<float> out(kChunk);
  for (std::size_t i = 0; i < s.tensors().size(); ++i) {
    const auto& t = s.tensors()[i];
    if (!t.encoded.empty() && (t.encoded.data() < data || t.encoded.data() + t.encoded.size() > data + size)) {
      // Only inflated npz members may live outside the input; they are
      // owned by the source and checked by ASan.
      if (t.member.empty()) std::abort();
    }
    const std::uint64_t n = std::min(t.elements, kMaxPerTensor);
    for (std::uint64_t e = 0; e < n; e += kChunk) {
      const Status st = s.ReadF32(i, e, std::min(kChunk, n - e), out.data());
      const bool decodable = !t.encoded.empty() && t.dtype != modelgate::forensics::DType::kUnsupported;
      if (decodable && !st.ok()) std::abort();
      if (!st.ok()) break;
    }
    // The tail of large tensors, so the last block is decoded too.
    if (t.elements > n) (void)s.ReadF32(i, t.elements - 1, 1, out.data());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Limits limits = Limits::ForFuzzing();
  const ByteView bytes(data, size);
  {
    TensorSource s;
    (void)modelgate::forensics::AddSafetensorsBytes(bytes, "fuzz.safetensors", limits, &s);
    DecodeAll(s, data, size);
  }
  {
    TensorSource s;
    (void)modelgate::forensics::AddGgufBytes(bytes, "fuzz.gguf", limits, &s);
    DecodeAll(s, data, size);
  }
  {
    TensorSource s;
    (void)modelgate::forensics::AddNumpyBytes(bytes, "fuzz.npy", limits, &s);
    DecodeAll(s, data, size);
  }
  return 0;
}
