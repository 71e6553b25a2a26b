// Crypto: the few OpenSSL 3 operations signing and verification need, behind
// value types that own their OpenSSL objects (RAII) and report errors as
// Status values carrying OpenSSL's reason string.
//
// Supported keys: EC P-256, P-384, P-521 (ECDSA; the signature digest is
// SHA-256/384/512 by curve, as OMS and Sigstore define), plus RSA and Ed25519
// public keys for verifying certificate chains and transparency logs.
// Signatures are DER-encoded ECDSA (as in Sigstore bundles).
//
// Thread safety: const methods may be called concurrently.
#ifndef MODELGATE_PROVENANCE_CRYPTO_H_
#define MODELGATE_PROVENANCE_CRYPTO_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/status.h"

namespace modelgate::provenance {

enum class DigestKind { kSha256, kSha384, kSha512 };

// One-shot digests (raw bytes).
std::string Sha256(std::string_view data);
std::string Digest(DigestKind kind, std::string_view data);

class PublicKey {
 public:
  static Result<PublicKey> FromPem(std::string_view pem);
  static Result<PublicKey> FromDer(std::string_view spki_der);  // SubjectPublicKeyInfo

  // The digest an ECDSA signature by this key uses: by curve (P-256 SHA-256,
  // P-384 SHA-384, P-521 SHA-512); SHA-256 for other key types.
  DigestKind DefaultDigest() const;
  // "PKIX_ECDSA_P384_SHA_384" and friends (Sigstore's keyDetails names).
  std::string KeyDetails() const;
  // Verifies `signature` over `message`, hashed with `digest`. kCorruption
  // "signature does not verify" when it does not.
  Status Verify(std::string_view message, std::string_view signature, DigestKind digest) const;
  std::string SpkiDer() const;
  std::string Pem() const;  // "-----BEGIN PUBLIC KEY-----\n..." as OpenSSL writes it

  struct Impl;
  std::shared_ptr<Impl> impl;  // EVP_PKEY holder
};

class PrivateKey {
 public:
  // PEM (PKCS#8 or SEC1 "EC PRIVATE KEY"), optionally encrypted.
  static Result<PrivateKey> FromPem(std::string_view pem, std::string_view password = {});
  PublicKey Public() const;
  // DER ECDSA signature over `message` with the key's default digest.
  Result<std::string> Sign(std::string_view message) const;

  struct Impl;
  std::shared_ptr<Impl> impl;
};

class Certificate {
 public:
  static Result<Certificate> FromDer(std::string_view der);
  // All certificates in a PEM file, in file order.
  static Result<std::vector<Certificate>> ChainFromPem(std::string_view pem);

  std::string Der() const;
  PublicKey Key() const;
  std::string SubjectText() const;  // one-line RFC 2253
  // Subject alternative names: e-mail addresses, URIs, DNS names, as text.
  std::vector<std::string> SubjectAlternativeNames() const;
  // The raw value of an extension by dotted OID ("1.3.6.1.4.1.57264.1.8"),
  // without the OCTET STRING wrapper; empty when absent.
  std::string ExtensionValue(std::string_view oid) const;
  std::chrono::system_clock::time_point NotBefore() const;
  std::chrono::system_clock::time_point NotAfter() const;

  struct Impl;
  std::shared_ptr<Impl> impl;
};

// Verifies leaf -> intermediates -> one of `roots` at time `at` (X.509 path
// validation by OpenSSL, purpose any; code-signing EKU is checked by the
// caller when it matters). The error names the certificate and reason.
Status VerifyCertificateChain(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                              const std::vector<Certificate>& roots, std::chrono::system_clock::time_point at);

// A signed certificate timestamp embedded in a certificate (RFC 6962
// section 3.3, extension 1.3.6.1.4.1.11129.2.4.2), with the bytes its log
// signed rebuilt for a precertificate entry: version, signature type,
// timestamp, entry type 1, SHA-256 of the issuer's key, the leaf's
// TBSCertificate without the SCT extension, and the SCT's extensions.
struct EmbeddedSct {
  std::string log_id;  // raw (32 bytes: SHA-256 of the CT log's key)
  std::uint64_t timestamp_ms = 0;
  std::string signed_data;
  std::string signature;  // DER ECDSA or RSA PKCS#1 v1.5
  bool sha256 = false;    // the SCT's hash algorithm is SHA-256 (the only one logs use)
};

// The embedded SCTs of `leaf`, `issuer` being the certificate whose key
// signed it. Empty when the extension is absent; an error when it is
// malformed or holds an SCT version other than v1.
Result<std::vector<EmbeddedSct>> EmbeddedScts(const Certificate& leaf, const Certificate& issuer);

// Verifies an RFC 3161 time-stamp response (DER TimeStampResp, status
// granted) over `data`: the token's message imprint is the digest of `data`
// (with the algorithm the token names), its CMS signature verifies, and the
// signer (timeStamping EKU) chains through `intermediates` and the
// certificates in the token to one of `roots`, validated at the token's own
// time. Returns that time (genTime). Errors name the failure ("timestamp:
// message imprint mismatch", "timestamp: certificate verify error", ...).
Result<std::chrono::system_clock::time_point> VerifyRfc3161Timestamp(std::string_view response_der,
                                                                     std::string_view data,
                                                                     const std::vector<Certificate>& intermediates,
                                                                     const std::vector<Certificate>& roots);

// Standard base64 (RFC 4648) with padding; DecodeBase64 rejects bad input.
std::string EncodeBase64(std::string_view raw);
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_CRYPTO_H_
