// TrustedRoot: the pinned Sigstore trust material (trusted_root.json,
// media type application/vnd.dev.sigstore.trustedroot+json;version=0.1) that
// offline verification of keyless bundles is checked against.
//
// It lists the transparency logs (Rekor: public key, log id, validity), the
// certificate authorities (Fulcio: certificate chain, validity), the
// certificate-transparency logs and the timestamp authorities. The file is
// hostile input like any other: its size is bounded by
// Limits::max_trusted_root_bytes, its nesting by Limits::max_json_depth, each
// chain by Limits::max_certificates.
//
// Thread safety: an immutable value after Parse; share freely.
#ifndef MODELGATE_PROVENANCE_SIGSTORE_TRUSTED_ROOT_H_
#define MODELGATE_PROVENANCE_SIGSTORE_TRUSTED_ROOT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/limits.h"
#include "modelgate/status.h"
#include "provenance/crypto.h"

namespace modelgate::provenance::sigstore {

// Seconds since the Unix epoch (UTC).
using UnixSeconds = std::int64_t;

// Parses an RFC 3339 UTC timestamp as protobuf JSON writes it
// ("2021-03-07T03:20:29Z", "2022-12-31T23:59:59.999Z", "+00:00" offsets
// accepted). Fractions are dropped (rounded down); callers that need the
// conservative direction round themselves.
Result<UnixSeconds> ParseRfc3339(std::string_view text);

// A validity window: start inclusive, end inclusive; no end = open.
struct ValidityPeriod {
  UnixSeconds start = 0;
  std::optional<UnixSeconds> end;
  bool Contains(UnixSeconds t) const { return t >= start && (!end || t <= *end); }
};

// A transparency log (Rekor) or certificate-transparency log.
struct TransparencyLog {
  std::string base_url;
  std::string log_id;       // raw bytes of logId.keyId (SHA-256 of the key's DER for Rekor v1)
  std::string key_details;  // e.g. "PKIX_ECDSA_P256_SHA_256"
  PublicKey key;
  ValidityPeriod valid_for;  // of the public key
};

// A certificate authority (Fulcio) or timestamp authority.
struct CertificateAuthority {
  std::string uri;
  std::vector<Certificate> chain;  // as listed: issuing certificate first, root last
  ValidityPeriod valid_for;
};

struct TrustedRoot {
  std::vector<TransparencyLog> tlogs;
  std::vector<CertificateAuthority> certificate_authorities;
  std::vector<TransparencyLog> ctlogs;
  std::vector<CertificateAuthority> timestamp_authorities;

  // Parses trusted_root.json. Fails (naming the field) on a wrong media type,
  // a missing field, undecodable base64, a key or certificate OpenSSL refuses,
  // or a limit. A file without any tlog or certificate authority parses: the
  // verifier then fails with "no trusted ..." for lack of it.
  static Result<TrustedRoot> Parse(std::string_view json_text, const Limits& limits);

  // The tlog whose log id is `log_id` (raw bytes), or nullptr.
  const TransparencyLog* FindTlog(std::string_view log_id) const;
};

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_TRUSTED_ROOT_H_
