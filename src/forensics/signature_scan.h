// Signature search in byte streams pulled out of tensor encodings: the
// lowest byte of every element, the two lowest, or the three lowest, in
// file order. A payload writer who hides a file in weights spreads its bytes
// over consecutive elements' low mantissa bits, so the file shows up intact,
// header first, in one of these streams.
//
// Every magic is confirmed by the header fields behind it before it counts:
// in a stream of random low bytes a 2-byte magic (`MZ`) turns up every 64 KiB
// and a 4-byte one every 4 GiB, so a bare magic proves nothing. What each
// signature requires is listed in docs/forensics/inspect.md. Raw magic hits
// (before confirmation) are counted so callers can compare them with the
// number expected by chance.
#ifndef MODELGATE_FORENSICS_SIGNATURE_SCAN_H_
#define MODELGATE_FORENSICS_SIGNATURE_SCAN_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "modelgate/byte_reader.h"

namespace modelgate::forensics {

enum class Signature : std::uint8_t {
  kElf, kPe, kZip, kGzip, kShebang, kMachO, kPdf, kScriptText,
  kCount,
};
inline constexpr std::size_t kSignatureCount = static_cast<std::size_t>(Signature::kCount);

// "ELF executable", "PE executable (MZ + PE header)", ...
std::string_view SignatureName(Signature s);
// Length in bytes of the magic that is counted as a raw hit (before any
// confirmation); 0 for script text, which has no magic.
std::uint32_t SignatureMagicBytes(Signature s);

// Bytes a confirmation may look ahead of a match's first byte (the PE header
// sits at most this far in; script runs are measured up to it).
inline constexpr std::size_t kSignatureLookahead = 4096;
// A run of printable ASCII at least this long that contains a shell or
// Python keyword is script text.
inline constexpr std::size_t kScriptMinRun = 64;

struct SignatureMatch {
  Signature signature;
  std::uint64_t position = 0;  // offset in the window given to FindSignatures
  std::uint32_t length = 0;    // bytes that confirmed it (script: the run, capped at the lookahead)
};

struct RawMagicCounts {
  std::array<std::uint64_t, kSignatureCount> hits{};  // magics seen, confirmed or not
  void Add(const RawMagicCounts& o) {
    for (std::size_t i = 0; i < hits.size(); ++i) hits[i] += o.hits[i];
  }
};

// Searches `window` for signatures that START at positions [0, scan_end);
// bytes past scan_end (up to kSignatureLookahead of them) are only read to
// confirm a match. `prev` is the stream byte just before window[0] (-1 when
// the window opens the stream): a printable run continuing from before the
// window is not a new start. Appends to `matches` (at most `max_matches`
// in total) and adds raw magic hits to `raw`.
// REQUIRES: scan_end <= window.size(). Thread-safe (no shared state).
void FindSignatures(ByteView window, std::size_t scan_end, int prev, std::size_t max_matches,
                    std::vector<SignatureMatch>* matches, RawMagicCounts* raw);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_SIGNATURE_SCAN_H_
