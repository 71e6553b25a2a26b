// Sigstore bundle (JSON) reading and writing for OMS signatures.
//
// ParseBundle() reads hostile bytes: the size is bounded by
// Limits::max_bundle_bytes, nesting by Limits::max_json_depth (measured before
// nlohmann-json parses), certificates by max_certificates, transparency-log
// entries by max_tlog_entries, the decoded DSSE payload by
// max_statement_bytes. Accepted media types: bundle v0.1, v0.2 and v0.3
// ("application/vnd.dev.sigstore.bundle+json;version=0.N" and
// "application/vnd.dev.sigstore.bundle.v0.3+json"). Only DSSE bundles are OMS
// bundles (messageSignature bundles are refused).
//
// Errors name what is missing or malformed, with the JSON member path:
// "bundle: empty", "bundle: no dsseEnvelope", "bundle: no verificationMaterial",
// "bundle: verificationMaterial.tlogEntries missing (a Sigstore keyless bundle
// needs at least one transparency-log entry)".
//
// WriteKeyBundle()/WriteCertificateBundle() write v0.3 bundles exactly as
// model_signing 1.1.0 does for its key and certificate methods: compact JSON,
// key order mediaType, verificationMaterial{publicKey{hint} |
// x509CertificateChain{certificates[{rawBytes}]}, tlogEntries: []},
// dsseEnvelope{payload, payloadType, signatures[{sig, keyid: ""}]}.
//
// Thread safety: all functions are reentrant.
#ifndef MODELGATE_PROVENANCE_BUNDLE_H_
#define MODELGATE_PROVENANCE_BUNDLE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/limits.h"
#include "modelgate/status.h"
#include "provenance/crypto.h"
#include "provenance/dsse.h"

namespace modelgate::provenance {

inline constexpr std::string_view kBundleMediaTypeV03 = "application/vnd.dev.sigstore.bundle.v0.3+json";

// Which verificationMaterial the bundle carries.
enum class MaterialKind {
  kPublicKey,         // publicKey {hint} or {rawBytes, keyDetails}: the key method
  kCertificateChain,  // x509CertificateChain [leaf, intermediates...]: certificate method (and keyless < v0.3)
  kCertificate,       // certificate: Sigstore keyless (v0.3)
};

struct Bundle {
  std::string media_type;
  int minor_version = 3;  // 1, 2 or 3 (bundle v0.N)
  MaterialKind material = MaterialKind::kPublicKey;
  // publicKey (key method). raw_bytes is decoded (model_signing wrote PEM text).
  std::string public_key_hint;
  std::string public_key_raw_bytes;
  std::string public_key_details;
  // DER certificates: the chain (leaf first) or the single keyless certificate.
  std::vector<std::string> certificates;
  // Kept as JSON for the keyless verifier (an empty array when absent).
  nlohmann::json tlog_entries = nlohmann::json::array();
  bool has_tlog_entries = false;
  nlohmann::json timestamp_verification_data;  // null when absent
  DsseEnvelope envelope;
};

// Parses bundle JSON text. See the file comment for the limits and messages.
Result<Bundle> ParseBundle(std::string_view text, const Limits& limits);

// Hex SHA-256 of the key's PEM text (SubjectPublicKeyInfo, as OpenSSL and
// Python's cryptography write it): model_signing 1.1.0's publicKey.hint.
std::string PublicKeyHint(const PublicKey& key);

// Bundle JSON text for the key method (publicKey.hint = PublicKeyHint(key)).
std::string WriteKeyBundle(const DsseEnvelope& envelope, const PublicKey& key);

// Bundle JSON text for the certificate method; `chain` is leaf first.
std::string WriteCertificateBundle(const DsseEnvelope& envelope, const std::vector<Certificate>& chain);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_BUNDLE_H_
