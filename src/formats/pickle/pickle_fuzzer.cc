// Fuzz target for the symbolic pickle machine: every stream in the input,
// with and without joblib array handling, plus the routing probe.
#include <cstddef>
#include <cstdint>

#include "formats/pickle/pickle_machine.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  ByteView bytes(data, size);
  (void)pickle::LooksLikePickle(bytes);
  for (bool joblib : {true, false}) {
    pickle::MachineOptions opts;
    opts.joblib_arrays = joblib;
    std::uint64_t pos = 0;
    for (int stream = 0; stream < 8 && pos < size; ++stream) {
      pickle::StreamTrace t = pickle::RunStream(bytes, pos, limits, opts);
      // Invariants: the machine never reports positions outside the input.
      if (t.end > size || t.error_offset > size) __builtin_trap();
      for (const auto& c : t.calls) {
        for (const auto& b : c.bytes_args) {
          if (b.view.data() < data || b.view.data() + b.view.size() > data + size) __builtin_trap();
        }
      }
      if (!t.stopped || t.end <= pos) break;
      pos = t.end;
    }
  }
  return 0;
}
