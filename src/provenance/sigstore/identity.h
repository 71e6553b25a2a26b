// The signer identity of a Fulcio certificate and the policy it must match.
//
// Fulcio binds an OIDC identity to a short-lived certificate: the subject
// alternative name carries the identity (e-mail or URI) and a Sigstore
// extension carries the OIDC issuer:
//   1.3.6.1.4.1.57264.1.8  issuer (v2): a DER UTF8String
//   1.3.6.1.4.1.57264.1.1  issuer (v1, deprecated): the raw string bytes
// Both are read; when both are present they must agree.
//
// Thread safety: pure functions.
#ifndef MODELGATE_PROVENANCE_SIGSTORE_IDENTITY_H_
#define MODELGATE_PROVENANCE_SIGSTORE_IDENTITY_H_

#include <string>

#include "modelgate/status.h"
#include "provenance/crypto.h"

namespace modelgate::provenance::sigstore {

// What the verifier requires of the signer: both compared exactly (no
// patterns, no case folding), as the OMS reference CLI does.
struct IdentityPolicy {
  std::string san;     // e.g. "stefanb@us.ibm.com"
  std::string issuer;  // e.g. "https://sigstore.verify.ibm.com/oauth2"
};

// The OIDC issuer recorded in `cert`. Errors: "certificate: no OIDC issuer
// extension", "certificate: OIDC issuer extensions disagree", malformed DER.
Result<std::string> OidcIssuer(const Certificate& cert);

// Ok when `cert` has the key usage digitalSignature and the extended key
// usage id-kp-codeSigning (1.3.6.1.5.5.7.3.3).
Status CheckCodeSigningUsage(const Certificate& cert);

// Ok when one SAN equals policy.san and the issuer equals policy.issuer.
// Errors name both sides: "identity: SAN 'a@b' does not match the expected
// 'c@d'", "identity: issuer 'x' does not match the expected 'y'".
Status CheckIdentity(const Certificate& cert, const IdentityPolicy& policy);

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_IDENTITY_H_
