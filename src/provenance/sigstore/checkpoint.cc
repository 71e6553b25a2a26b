// Signed notes and checkpoints: see checkpoint.h.
#include "provenance/sigstore/checkpoint.h"

#include "provenance/crypto.h"
#include "provenance/sigstore/json_fields.h"

namespace modelgate::provenance::sigstore {

namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space
constexpr std::size_t kKeyHintSize = 4;

// Splits off the next "\n"-terminated line; false when no newline is left.
bool NextLine(std::string_view* rest, std::string_view* line) {
  std::size_t nl = rest->find('\n');
  if (nl == std::string_view::npos) return false;
  *line = rest->substr(0, nl);
  rest->remove_prefix(nl + 1);
  return true;
}

}  // namespace

Result<SignedNote> ParseSignedNote(std::string_view note) {
  if (note.size() > kMaxNoteBytes) {
    return Status::LimitExceeded("checkpoint: note of " + std::to_string(note.size()) + " bytes exceeds " +
                                 std::to_string(kMaxNoteBytes));
  }
  // The first blank line ends the text: text lines are never empty.
  std::size_t split = note.find("\n\n");
  if (split == std::string_view::npos) return Status::Corruption("checkpoint: no blank line before the signatures");
  SignedNote out;
  out.text = std::string(note.substr(0, split + 1));
  std::string_view rest = note.substr(split + 2);
  if (rest.empty()) return Status::Corruption("checkpoint: no signature lines");
  std::string_view line;
  while (!rest.empty()) {
    if (!NextLine(&rest, &line)) return Status::Corruption("checkpoint: signature line without a final newline");
    if (out.signatures.size() >= kMaxNoteSignatures) {
      return Status::LimitExceeded("checkpoint: more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
      return Status::Corruption("checkpoint: signature line does not start with an em dash");
    }
    line.remove_prefix(kSignaturePrefix.size());
    std::size_t space = line.find(' ');
    if (space == 0 || space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
      return Status::Corruption("checkpoint: signature line is not '— <name> <base64>'");
    }
    Result<std::string> blob = DecodeBase64(line.substr(space + 1));
    if (!blob.ok()) return Status::Corruption("checkpoint: signature: " + blob.status().message());
    if (blob->size() <= kKeyHintSize) return Status::Corruption("checkpoint: signature shorter than its key hint");
    NoteSignature sig;
    sig.name = std::string(line.substr(0, space));
    sig.key_hint = blob->substr(0, kKeyHintSize);
    sig.signature = blob->substr(kKeyHintSize);
    out.signatures.push_back(std::move(sig));
  }
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  Checkpoint cp;
  std::string_view rest = text;
  std::string_view origin, size, root;
  if (!NextLine(&rest, &origin) || !NextLine(&rest, &size) || !NextLine(&rest, &root)) {
    return Status::Corruption("checkpoint: fewer than three lines (origin, tree size, root hash)");
  }
  if (origin.empty()) return Status::Corruption("checkpoint: empty origin");
  cp.origin = std::string(origin);
  if (size.empty() || size.size() > 19 || (size.size() > 1 && size[0] == '0')) {
    return Status::Corruption("checkpoint: tree size is not a decimal number");
  }
  for (char c : size) {
    if (c < '0' || c > '9') return Status::Corruption("checkpoint: tree size is not a decimal number");
    cp.tree_size = cp.tree_size * 10 + static_cast<std::uint64_t>(c - '0');
  }
  Result<std::string> hash = DecodeBase64(root);
  if (!hash.ok()) return Status::Corruption("checkpoint: root hash: " + hash.status().message());
  if (hash->size() != 32) return Status::Corruption("checkpoint: root hash is not 32 bytes");
  cp.root_hash = std::move(hash).value();
  std::string_view line;
  while (NextLine(&rest, &line)) {
    if (cp.extensions.size() >= kMaxNoteSignatures) return Status::LimitExceeded("checkpoint: too many lines");
    cp.extensions.emplace_back(line);
  }
  if (!rest.empty()) return Status::Corruption("checkpoint: text does not end in a newline");
  return cp;
}

Result<Checkpoint> VerifyCheckpoint(std::string_view note, const TransparencyLog& log) {
  Result<SignedNote> signed_note = ParseSignedNote(note);
  if (!signed_note.ok()) return signed_note.status();
  Result<Checkpoint> cp = ParseCheckpoint(signed_note->text);
  if (!cp.ok()) return cp.status();
  const std::string hint = log.log_id.substr(0, kKeyHintSize);
  bool seen = false;
  for (const NoteSignature& sig : signed_note->signatures) {
    if (sig.key_hint != hint) continue;
    seen = true;
    if (log.key.Verify(signed_note->text, sig.signature, log.key.DefaultDigest()).ok()) return cp;
  }
  if (!seen) return Status::Corruption("checkpoint: no signature by log " + Hex(log.log_id));
  return Status::Corruption("checkpoint: signature by log " + Hex(log.log_id) + " does not verify");
}

}  // namespace modelgate::provenance::sigstore
