// Fuzz target for the PyTorch loader on in-memory bytes: zip and legacy
// layouts, storage lookup and bounds, and decoding of every tensor listed
// with bytes (so a view past the input is caught by ASan).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "forensics/pytorch_tensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  forensics::TensorSource src;
  (void)forensics::AddPytorchBytes("fuzz.pt", ByteView(data, size), limits, &src);
  std::vector<float> values;
  for (std::size_t i = 0; i < src.tensors().size(); ++i) {
    const forensics::TensorInfo& t = src.tensors()[i];
    if (t.encoded.empty()) continue;
    if (t.encoded.data() < data || t.encoded.data() + t.encoded.size() > data + size) __builtin_trap();
    std::uint64_t n = t.elements < 4096 ? t.elements : 4096;
    values.resize(n);
    if (!src.ReadF32(i, 0, n, values.data()).ok()) __builtin_trap();
  }
  return 0;
}
