// libFuzzer target: FindSignatures over arbitrary windows. The first byte
// picks scan_end (as a share of the window) and the previous-byte state, so
// lookahead reads past scan_end and at the window's end are exercised.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "forensics/signature_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modelgate::forensics;
  if (size < 1) return 0;
  const std::uint8_t control = data[0];
  modelgate::ByteView window(data + 1, size - 1);
  std::size_t scan_end = window.size() * (control & 0x7f) / 127;
  int prev = (control & 0x80) ? 'a' : -1;
  std::vector<SignatureMatch> matches;
  RawMagicCounts raw;
  FindSignatures(window, scan_end, prev, 64, &matches, &raw);
  for (const SignatureMatch& m : matches) {
    if (m.position >= scan_end) __builtin_trap();  // starts only before scan_end
  }
  return 0;
}
