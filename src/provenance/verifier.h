// Verifying a model against an OMS bundle.
//
// VerifyModel() runs the checks in this order and stops at the first that
// fails, reporting which one (VerifyCheck) and why:
//   1. bundle     - ParseBundle (size, depth, media type, members);
//   2. material   - the bundle's verificationMaterial fits the method asked
//                   for (publicKey for --key, x509CertificateChain for --ca,
//                   certificate + tlogEntries for keyless), and for the key
//                   method a publicKey.hint / rawBytes that names another key
//                   is refused ("the bundle names a different public key");
//   3. certificate chain (certificate method) - leaf -> intermediates in the
//                   bundle -> one of the given roots, checked at the leaf's
//                   notBefore time as model_signing does (so a leaf that has
//                   expired since signing still verifies; see
//                   VerifyOptions::check_certificate_expiry), then the leaf
//                   must allow signing (digitalSignature key usage or
//                   codeSigning extended key usage);
//   4. signature  - the DSSE signature over the payload bytes exactly as
//                   decoded (never re-serialised); the 0.2.0 legacy encoding
//                   is tried as a fallback (see dsse.h);
//   5. statement  - payloadType in-toto, ParseStatement (statement type,
//                   predicate, root digest);
//   6. manifest   - the model is hashed again with the serialization options
//                   the statement records (ignore_paths from the statement
//                   plus VerifyOptions::ignore_paths plus the signature file
//                   when it lies inside the model) and compared; every
//                   changed, added and missing file is reported.
// Keyless (Sigstore) bundles: steps 2-3 are sigstore::VerifySigstoreEvidence
// (Fulcio chain at the log's integratedTime, SCT, Rekor signed entry
// timestamp, inclusion proof and checkpoint, RFC 3161 timestamps, identity
// and issuer, entry bound to this envelope) against the pinned trusted root;
// its failures are reported as kCertificateChain, kIdentity or
// kTransparencyLog by the check its message names.
//
// Thread safety: reentrant; hashing uses VerifyOptions::threads.
#ifndef MODELGATE_PROVENANCE_VERIFIER_H_
#define MODELGATE_PROVENANCE_VERIFIER_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/limits.h"
#include "provenance/attestation.h"
#include "provenance/manifest.h"

namespace modelgate::provenance {

enum class VerifyMethod { kKey, kCertificate, kKeyless };

struct VerifyOptions {
  VerifyMethod method = VerifyMethod::kKey;
  std::string public_key_pem;  // kKey
  std::string ca_roots_pem;    // kCertificate: trust anchors (one or more PEM certificates)
  // kCertificate: also require the whole chain to be valid now (stricter than
  // model_signing, which checks at the leaf's notBefore time).
  bool check_certificate_expiry = false;
  std::string trusted_root_json;  // kKeyless
  std::string identity;           // kKeyless: expected SAN
  std::string issuer;             // kKeyless: expected OIDC issuer
  // Files on disk that are not in the signed manifest are not an error
  // (model_signing's --ignore_unsigned_files); signed files must still match.
  bool ignore_unsigned_files = false;
  std::vector<std::string> ignore_paths;  // model-relative, added to the statement's
  std::filesystem::path signature_path;   // excluded when inside the model
  unsigned threads = 0;
  Limits limits;
};

// Which check failed (kNone when verified).
enum class VerifyCheck {
  kNone,
  kBundle,
  kMaterial,
  kCertificateChain,
  kSignature,
  kIdentity,
  kTransparencyLog,
  kStatement,
  kModel,     // the model could not be read or hashed
  kManifest,  // the model differs from what was signed
};

// "bundle", "material", "certificate-chain", "signature", ... (JSON output).
std::string_view VerifyCheckName(VerifyCheck check);

struct VerificationResult {
  bool ok = false;
  VerifyCheck failed = VerifyCheck::kNone;
  std::string message;            // names the check and the cause
  ManifestDifference difference;  // for kManifest
  // What was verified (filled as far as the checks got).
  std::string media_type;
  std::string predicate_type;
  std::string model_name;
  std::string signer;  // key hint, or the leaf certificate subject / SAN
  std::size_t resources = 0;
  std::vector<std::string> warnings;  // e.g. legacy 0.2.0 encoding, old publicKey format
  // The failure is the operator's input, not the model's: an unreadable model
  // file, or an unusable public key, --ca file or trusted root (the CLI exits
  // 2, not 1).
  bool unreadable = false;
};

VerificationResult VerifyModel(const std::filesystem::path& model, std::string_view bundle_text,
                               const VerifyOptions& options);

// A gate attestation (modelgate attest, docs/provenance/attest.md): checks
// 1-4 as above on the attestation bundle, then the statement must be a
// gate/v1 statement whose subject is the root digest of its resources, and
// the model is hashed again with the recorded serialization (step 6), naming
// every file changed, added or missing since the check. `attestation` is set
// once the statement parsed, so callers can show what was recorded.
struct AttestationVerification {
  VerificationResult result;
  std::optional<ParsedAttestation> attestation;
};
AttestationVerification VerifyAttestation(const std::filesystem::path& model, std::string_view bundle_text,
                                          const VerifyOptions& options);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_VERIFIER_H_
