// Rekor checkpoints: a signed note (golang.org/x/mod/sumdb/note format)
// whose text is a transparency-log checkpoint (C2SP tlog-checkpoint):
//
//   <origin>\n<tree size, decimal>\n<root hash, base64>\n[<extension>\n]*
//   \n
//   — <key name> <base64(4-byte key hint || signature)>\n   (one or more)
//
// The signature covers the text up to and including its last "\n" before
// the blank line. For Rekor's ECDSA key the key hint is the first four bytes
// of the log id (SHA-256 of the key's DER).
//
// Thread safety: pure functions.
#ifndef MODELGATE_PROVENANCE_SIGSTORE_CHECKPOINT_H_
#define MODELGATE_PROVENANCE_SIGSTORE_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/status.h"
#include "provenance/sigstore/trusted_root.h"

namespace modelgate::provenance::sigstore {

struct NoteSignature {
  std::string name;       // key name (e.g. "rekor.sigstore.dev")
  std::string key_hint;   // 4 raw bytes
  std::string signature;  // raw signature bytes (DER ECDSA, or Ed25519)
};

struct SignedNote {
  std::string text;  // the signed text, ending in "\n"
  std::vector<NoteSignature> signatures;
};

struct Checkpoint {
  std::string origin;
  std::uint64_t tree_size = 0;
  std::string root_hash;                // raw bytes (32 for SHA-256)
  std::vector<std::string> extensions;  // further text lines, unparsed
};

// Bounds for hostile notes: total size and the number of signature lines.
inline constexpr std::size_t kMaxNoteBytes = 1u << 20;
inline constexpr std::size_t kMaxNoteSignatures = 64;

// Splits a note into its text and signature lines. Fails on a missing blank
// line, a signature line not of the form "— name base64", a signature
// shorter than the key hint, or the bounds above.
Result<SignedNote> ParseSignedNote(std::string_view note);

// Parses a checkpoint text (the note's text).
Result<Checkpoint> ParseCheckpoint(std::string_view text);

// Verifies `note` against `log`: among the signatures whose key hint is the
// log id's first four bytes, one must verify with the log's key over the
// text. Returns the parsed checkpoint on success.
// Errors: "checkpoint: no signature by log <hex>", "checkpoint: signature
// by log <hex> does not verify", plus the parse errors.
Result<Checkpoint> VerifyCheckpoint(std::string_view note, const TransparencyLog& log);

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_CHECKPOINT_H_
