// Attesting a model: scan it, digest it, and sign a gate/v1 statement of what
// was found (docs/provenance/attest.md).
//
// AttestModel() runs ScanPaths on the model, builds its OMS "files" manifest
// (SHA-256; the default git ignores, the OMS signature file and the
// attestation file itself are left out so that adding either later does not
// change the subject), writes GateStatementJson and signs it as
// SignStatementBundle does (key or certificate method). Nothing is written to
// disk here.
//
// Errors: kInvalidArgument for bad keys or options, kIOError for an
// unreadable model, each naming what failed. Findings are not errors: they
// are recorded and decide the verdict.
//
// Thread safety: reentrant.
#ifndef MODELGATE_PROVENANCE_ATTESTER_H_
#define MODELGATE_PROVENANCE_ATTESTER_H_

#include <filesystem>
#include <optional>
#include <string>

#include "modelgate/scan.h"
#include "modelgate/status.h"
#include "provenance/attestation.h"
#include "provenance/signer.h"

namespace modelgate::provenance {

inline constexpr std::string_view kDefaultAttestationName = "model.att.json";

struct AttestOptions {
  SignerKeys keys;
  Severity fail_on = Severity::kHigh;
  ScanOptions scan;                           // policy, limits, jobs
  std::filesystem::path attestation_path;     // empty: DefaultAttestationPath(model)
  std::optional<std::filesystem::path> bom;   // a BOM file to bind (its SHA-256 and serialNumber)
  bool allow_symlinks = false;
  std::string checked_at;                     // empty: now
};

// "model.att.json" inside a folder model, beside a file model.
std::filesystem::path DefaultAttestationPath(const std::filesystem::path& model);

struct Attestation {
  std::string bundle;          // the signed bundle JSON text
  std::string statement;       // the signed statement (pretty JSON)
  ScanReport scan;             // what the scan found
  bool pass = false;           // nothing at or above fail_on
  std::size_t resources = 0;
};

Result<Attestation> AttestModel(const std::filesystem::path& model, const AttestOptions& options);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_ATTESTER_H_
