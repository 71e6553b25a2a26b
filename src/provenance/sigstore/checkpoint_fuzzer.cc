// Fuzz target for the signed-note / checkpoint parser: arbitrary bytes are
// parsed as a note and a checkpoint and verified against the public-good
// Rekor key. Invariants: a parsed note's text ends in "\n" and is a prefix
// of the input; a verified checkpoint has a 32-byte root hash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "provenance/sigstore/checkpoint.h"
#include "provenance/sigstore/fuzz_trusted_root.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  using namespace modelgate::provenance::sigstore;
  const TrustedRoot& root = FuzzTrustedRoot();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<SignedNote> note = ParseSignedNote(text);
  if (note.ok()) {
    if (note->text.empty() || note->text.back() != '\n' || text.substr(0, note->text.size()) != note->text) {
      std::abort();
    }
    for (const NoteSignature& sig : note->signatures) {
      if (sig.key_hint.size() != 4 || sig.signature.empty()) std::abort();
    }
  }
  (void)ParseCheckpoint(text);
  for (const TransparencyLog& log : root.tlogs) {
    Result<Checkpoint> cp = VerifyCheckpoint(text, log);
    if (cp.ok() && cp->root_hash.size() != 32) std::abort();
  }
  return 0;
}
