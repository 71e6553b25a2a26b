// Fuzz target for PyTorch tensor recovery from a pickle: the machine's
// opt-in torch recording plus naming (torch_records.h), on the input as one
// pickle and, like a legacy torch.save file, as a sequence of stacked pickles.
#include <cstddef>
#include <cstdint>

#include "formats/pickle/torch_records.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  ByteView bytes(data, size);
  std::uint64_t pos = 0;
  for (int stream = 0; stream < 6 && pos < size; ++stream) {
    pickle::TorchPickleContents c = pickle::ExtractTorchTensors(bytes, pos, limits);
    if (c.trace.end > size || c.tensors.size() > limits.max_model_tensors) __builtin_trap();
    for (const auto& t : c.tensors) {
      // A record without a problem is complete and consistent.
      if (t.problem.empty() && (t.size.size() != t.stride.size() || t.storage_type.empty())) __builtin_trap();
    }
    if (!c.trace.stopped || c.trace.end <= pos) break;
    pos = c.trace.end;
  }
  return 0;
}
