// DSSE: the Dead Simple Signing Envelope (secure-systems-lab/dsse v1.0) that
// carries an in-toto statement inside a Sigstore bundle.
//
// The envelope holds the payload as raw bytes (decoded from base64 once, when
// read) so that signatures are always checked over exactly the bytes that
// were signed; nothing here re-serialises a payload.
//
// Two pre-authentication encodings exist in OMS bundles:
// - PreAuthEncoding(): the DSSE v1 PAE,
//   "DSSEv1" SP len(type) SP type SP len(body) SP body;
// - LegacyPreAuthEncoding(): what model_signing 0.2.0 signed by mistake,
//   "DSSEV1 <n> <type> <m> " followed by Python's repr() of the payload bytes
//   (b'...' with escapes), hashed with SHA-256 whatever the curve. Verifiers
//   accept it only as a fallback (see VerifyDsse) for those old bundles.
//
// The envelope is generic: any payloadType, any payload (OMS statements and
// modelgate attestations use the same code).
//
// Thread safety: all functions are reentrant.
#ifndef MODELGATE_PROVENANCE_DSSE_H_
#define MODELGATE_PROVENANCE_DSSE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/status.h"
#include "provenance/crypto.h"

namespace modelgate::provenance {

struct DsseSignature {
  std::string sig;                   // raw signature bytes (DER ECDSA)
  std::optional<std::string> keyid;  // absent or null: nullopt; OMS writes ""
};

struct DsseEnvelope {
  std::string payload_type;
  std::string payload;  // raw bytes, as decoded from base64
  std::vector<DsseSignature> signatures;
};

// "DSSEv1 28 application/vnd.in-toto+json 512 {...}".
std::string PreAuthEncoding(std::string_view payload_type, std::string_view payload);

// model_signing 0.2.0's encoding (see the file comment).
std::string LegacyPreAuthEncoding(std::string_view payload_type, std::string_view payload);

// Python 3's repr() of a bytes object: b'...' (or b"..." when the bytes hold a
// single quote and no double quote), with \\, \t, \n, \r, the delimiting
// quote escaped and other bytes outside 0x20..0x7e written as \xhh.
std::string PythonBytesRepr(std::string_view bytes);

// Signs PAE(payload_type, payload) with `key` (its default digest) and returns
// an envelope with one signature whose keyid is "" (as model_signing 1.x).
Result<DsseEnvelope> SignDsse(std::string_view payload_type, std::string payload, const PrivateKey& key);

// How a verified signature was made.
enum class DsseEncoding { kStandard, kLegacy020 };

// Succeeds when any signature of `envelope` verifies with `key` over the
// standard PAE (key's default digest) or, when `allow_legacy`, over the 0.2.0
// encoding (SHA-256, then the key's default digest). Fails with kCorruption
// "signature: ..." naming why (no signatures; does not verify).
Result<DsseEncoding> VerifyDsse(const DsseEnvelope& envelope, const PublicKey& key, bool allow_legacy);

// {"payload": base64, "payloadType": ..., "signatures": [{"sig": base64,
// "keyid": ...}]} in that key order (model_signing 1.x order). A nullopt keyid
// is omitted.
nlohmann::ordered_json DsseToJson(const DsseEnvelope& envelope);

// Reads an envelope object (already parsed, depth-checked JSON). payload and
// sig accept standard and URL-safe base64 (DSSE requires both). Errors name
// the missing or malformed member ("dsseEnvelope.payload: not base64").
// `max_payload_bytes` bounds the decoded payload.
Result<DsseEnvelope> DsseFromJson(const nlohmann::json& object, std::uint64_t max_payload_bytes);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_DSSE_H_
