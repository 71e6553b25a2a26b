// RFC 3161 timestamps of a Sigstore bundle
// (verificationMaterial.timestampVerificationData.rfc3161Timestamps[]): each
// is a DER TimeStampResp over the envelope's signature bytes, issued by a
// timestamp authority of the trusted root (timestampAuthorities).
//
// Thread safety: pure function.
#ifndef MODELGATE_PROVENANCE_SIGSTORE_TIMESTAMP_H_
#define MODELGATE_PROVENANCE_SIGSTORE_TIMESTAMP_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelgate/limits.h"
#include "modelgate/status.h"
#include "provenance/sigstore/trusted_root.h"

namespace modelgate::provenance::sigstore {

// Verifies every timestamp in `material` (the bundle's verificationMaterial)
// over `signature`; returns their times, empty when the bundle has none.
// A timestamp is accepted when a timestamp authority of `root` whose
// validFor contains its time verifies it (the last certificate of the
// authority's chain is the trust anchor). At most Limits::max_tlog_entries
// timestamps. Errors: "timestamp[0]: no timestamp authority of the trusted
// root verifies it (<OpenSSL reason>)", base64 and shape errors.
Result<std::vector<UnixSeconds>> VerifyBundleTimestamps(const nlohmann::json& material, const std::string& signature,
                                                        const TrustedRoot& root, const Limits& limits);

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_TIMESTAMP_H_
