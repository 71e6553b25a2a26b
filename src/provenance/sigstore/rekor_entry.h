// A Rekor transparency-log entry as a Sigstore bundle carries it
// (verificationMaterial.tlogEntries[i], protobuf TransparencyLogEntry), and
// the three proofs it holds:
//   - the signed entry timestamp (inclusionPromise): the log's signature over
//     the canonical JSON {"body","integratedTime","logID","logIndex"};
//   - the inclusion proof: the Merkle path from SHA-256(0x00 || body) to a
//     root hash;
//   - the checkpoint: the log's signed note over that root hash and size.
// and the entry's body (canonicalizedBody) of kind `dsse` 0.0.1.
//
// Thread safety: pure functions over values.
#ifndef MODELGATE_PROVENANCE_SIGSTORE_REKOR_ENTRY_H_
#define MODELGATE_PROVENANCE_SIGSTORE_REKOR_ENTRY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelgate/limits.h"
#include "modelgate/status.h"
#include "provenance/sigstore/trusted_root.h"

namespace modelgate::provenance::sigstore {

struct InclusionProof {
  std::int64_t log_index = 0;  // index in the tree the proof is for (not the global log index)
  std::string root_hash;       // raw 32 bytes
  std::int64_t tree_size = 0;
  std::vector<std::string> hashes;  // raw 32-byte path hashes
  std::string checkpoint;           // signed note text
};

struct TlogEntry {
  std::int64_t log_index = 0;
  std::string log_id;  // raw bytes of logId.keyId
  std::string kind;    // kindVersion.kind, e.g. "dsse"
  std::string version;
  std::int64_t integrated_time = 0;        // seconds since the epoch
  std::string signed_entry_timestamp;      // raw signature; empty when the bundle has no inclusionPromise
  std::string canonicalized_body;          // raw JSON bytes as the log stored them
  std::optional<InclusionProof> inclusion_proof;
};

// Reads one tlog entry; `path` names it in errors ("tlogEntries[0]").
// Limits: max_inclusion_proof_hashes.
Result<TlogEntry> ParseTlogEntry(const nlohmann::json& entry, const std::string& path, const Limits& limits);

// The canonical JSON the SET signs (RFC 8785 for these four members).
std::string SignedEntryTimestampPayload(const TlogEntry& entry);

// Errors: "signed entry timestamp: missing", "signed entry timestamp: does
// not verify with log <hex>".
Status VerifySignedEntryTimestamp(const TlogEntry& entry, const TransparencyLog& log);

// Recomputes the proof's root from the body's leaf hash, then checks the
// checkpoint: signed by `log`, same tree size and root hash as the proof.
// Errors start with "inclusion proof:" or "checkpoint:".
Status VerifyInclusionProof(const TlogEntry& entry, const TransparencyLog& log);

// The fields of a `dsse` 0.0.1 entry body that bind it to one envelope.
struct DsseEntryBody {
  std::string payload_hash_hex;  // spec.payloadHash.value (sha256)
  struct Signature {
    std::string signature;  // raw signature bytes
    std::string verifier;   // the signer's PEM (certificate or key), decoded from base64
  };
  std::vector<Signature> signatures;
};

// Parses canonicalizedBody as a `dsse` 0.0.1 entry. Errors name the field;
// other kinds: "tlog entry: body kind 'x' version 'y' is not supported".
Result<DsseEntryBody> ParseDsseEntryBody(std::string_view body, const Limits& limits);

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_REKOR_ENTRY_H_
