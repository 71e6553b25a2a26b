// Offline verification of the Sigstore evidence in a keyless bundle: the
// Fulcio certificate, the signer identity and the Rekor transparency-log
// entry, against a pinned TrustedRoot. No network access.
//
// What VerifySigstoreEvidence checks, in this order (the first failure is
// returned; its message names the check):
//   1. bundle: media type v0.1, v0.2 or v0.3
//      ("application/vnd.dev.sigstore.bundle+json;version=0.1|0.2|0.3",
//      "application/vnd.dev.sigstore.bundle.v0.3+json"); a leaf certificate
//      (verificationMaterial.certificate, or x509CertificateChain's first);
//      exactly one tlog entry of kind dsse 0.0.1.
//   2. tlog: its log id names a trusted Rekor log whose key is valid at the
//      entry's integratedTime.
//   3. tlog: the signed entry timestamp (inclusionPromise) verifies with that
//      key over {body, integratedTime, logID, logIndex}: integratedTime is
//      trusted from here on.
//   4. tlog: the inclusion proof (required from v0.2; checked when present in
//      v0.1) recomputes its root hash from SHA-256(0x00 || body), and the
//      checkpoint is a note signed by the same log with that root and size.
//   5. certificate: the leaf was valid at integratedTime and chains (OpenSSL
//      path validation at integratedTime, no partial chains) to a Fulcio CA
//      of the trusted root whose validFor contains integratedTime; it has
//      digitalSignature and the code-signing EKU; its embedded SCT verifies
//      with a CT log key of the trusted root (ctlogs).
//   5b. timestamps: every RFC 3161 timestamp in timestampVerificationData
//      verifies over envelope.signature with a timestamp authority of the
//      trusted root (valid at the timestamp's time), and the leaf was valid
//      at that time too. Bundles without timestamps skip this.
//   6. identity: a SAN equals policy.san and the OIDC issuer extension equals
//      policy.issuer (exact comparison).
//   7. binding: the entry body (dsse 0.0.1) records THIS envelope: its
//      payloadHash is SHA-256 of envelope.payload, its only signature equals
//      envelope.signature, and its verifier is the leaf certificate.
// Not checked (see docs/provenance/sigstore.md): the DSSE signature itself (the caller verifies it with the returned
// certificate's key, after this returns OK).
//
// Thread safety: reentrant; the inputs are only read.
#ifndef MODELGATE_PROVENANCE_SIGSTORE_SIGSTORE_VERIFIER_H_
#define MODELGATE_PROVENANCE_SIGSTORE_SIGSTORE_VERIFIER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "modelgate/limits.h"
#include "modelgate/status.h"
#include "provenance/crypto.h"
#include "provenance/sigstore/identity.h"
#include "provenance/sigstore/trusted_root.h"

namespace modelgate::provenance::sigstore {

// The parts of the bundle's dsseEnvelope the tlog entry is bound to.
struct DsseView {
  std::string payload_type;
  std::string payload;    // raw (base64-decoded) payload bytes
  std::string signature;  // raw (base64-decoded) signature bytes
};

// Reads bundle["dsseEnvelope"]: payloadType, payload and its single
// signature, base64-decoded. Errors: "bundle: dsseEnvelope missing", "bundle:
// dsseEnvelope has 2 signatures (exactly one is supported)", base64 errors.
Result<DsseView> DsseViewFromBundle(const nlohmann::json& bundle, const Limits& limits);

// Verifies the Sigstore evidence of `bundle` (parsed bundle JSON) for
// `envelope` (normally DsseViewFromBundle(bundle)). Returns the leaf
// (signing) certificate on success; its key is the key to verify the DSSE
// signature with. See the top of this file for the checks.
Result<Certificate> VerifySigstoreEvidence(const nlohmann::json& bundle, const TrustedRoot& root,
                                           const IdentityPolicy& policy, const DsseView& envelope,
                                           const Limits& limits);

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_SIGSTORE_VERIFIER_H_
