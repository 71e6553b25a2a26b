// Gate attestation: an in-toto Statement saying that modelgate checked this
// exact model, and what it found.
//
// The subject is the model (name + the SHA-256 root digest of its OMS
// "files" manifest, the same digest an OMS signature of the model carries),
// and the predicate (type kGatePredicateType, documented in
// docs/provenance/attest.md) records:
//   - tool: name and version of the modelgate that checked;
//   - checkedAt: RFC 3339 UTC time of the check;
//   - model: the manifest's serialization and resources (so a verifier can
//     recompute the subject digest and name each file that changed since);
//   - scan: the policy threshold (failOn), the verdict ("pass" when nothing is
//     at or above failOn, else "fail"), counts by severity and every finding
//     at low or above (id, severity, relative path, member);
//   - bom: SHA-256 and serial number of a CycloneDX BOM, when one was made.
// The statement is signed like an OMS bundle (DSSE, Sigstore bundle v0.3) by
// the caller; this file only writes and reads the statement.
#ifndef MODELGATE_PROVENANCE_ATTESTATION_H_
#define MODELGATE_PROVENANCE_ATTESTATION_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/finding.h"
#include "modelgate/limits.h"
#include "modelgate/scan.h"
#include "modelgate/status.h"
#include "provenance/manifest.h"

namespace modelgate::provenance {

inline constexpr std::string_view kGatePredicateType = "https://modelgate.dev/attestation/gate/v1";

struct BomReference {
  std::string sha256_hex;     // of the BOM file's bytes
  std::string serial_number;  // its serialNumber
};

struct GateFacts {
  Manifest manifest;            // files/sha256 manifest of the model as checked
  const ScanReport* scan = nullptr;  // required
  std::string model_root;       // finding paths are made relative to this
  Severity fail_on = Severity::kHigh;
  std::string checked_at;       // RFC 3339 UTC; empty: now
  std::optional<BomReference> bom;
};

// The statement, pretty-printed (indent 2). Deterministic for equal facts.
std::string GateStatementJson(const GateFacts& facts);

struct ParsedAttestation {
  std::string model_name;
  std::string subject_digest;       // raw SHA-256
  Manifest manifest;                // serialization + resources as attested
  std::string tool_version;
  std::string checked_at;
  std::string verdict;              // "pass" | "fail"
  std::string fail_on;
  std::array<std::size_t, 5> counts{};  // by Severity value
  std::optional<BomReference> bom;
};

// Reads a decoded DSSE payload (hostile; bounded by limits). Errors name the
// missing or malformed field; a predicateType other than kGatePredicateType,
// or a subject digest that is not the root digest of the attested resources,
// is kCorruption.
Result<ParsedAttestation> ParseGateStatement(std::string_view payload, const Limits& limits);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_ATTESTATION_H_
