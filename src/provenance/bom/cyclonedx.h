// CycloneDX 1.6 ML-BOM rendering of ModelFacts.
//
// Layout (docs/provenance/bom.md has every field and property):
// - metadata: timestamp (omitted when deterministic), tools.components =
//   modelgate with its version, component = a short description of the
//   model (type, name, hashes; no bom-ref, so bom-refs stay unique);
// - components[0]: the model, type "machine-learning-model", bom-ref
//   "model", with modelCard (task, architecture, datasets as refs,
//   inputs/outputs), hashes (SHA-256 = the OMS root digest, the value an OMS
//   signature's in-toto subject carries), licenses, externalReferences,
//   pedigree.ancestors (base models) and "modelgate:" properties;
// - one "file" component per file (bom-ref "file:<path>") with its SHA-256;
// - one "data" component per dataset the model card names
//   (bom-ref "dataset:<name>");
// - dependencies: the model depends on every file.
//
// Every string that comes from the model (names, card fields, GGUF keys) is
// clipped and emitted as JSON text with invalid UTF-8 replaced, and URLs are
// only emitted when they are plain http(s) URLs, so hostile content cannot
// make the document invalid.
#ifndef MODELGATE_PROVENANCE_BOM_CYCLONEDX_H_
#define MODELGATE_PROVENANCE_BOM_CYCLONEDX_H_

#include <string>

#include "provenance/bom/model_facts.h"

namespace modelgate::provenance::bom {

struct BomOptions {
  // No timestamp, and a serial number derived from the root digest (a UUID
  // v5-style name-based id) instead of a random UUID v4: the same model gives
  // the same bytes.
  bool deterministic = false;
  std::string tool_version;  // modelgate's version
};

// The BOM as pretty-printed JSON (two-space indent, trailing newline).
// Thread-safe.
std::string RenderCycloneDx(const ModelFacts& facts, const BomOptions& options);

// "urn:uuid:..." for the options: random v4, or name-based from `name`
// (SHA-1 of a fixed modelgate namespace UUID and the name, version 5).
std::string BomSerialNumber(bool deterministic, const std::string& name);

// CycloneDX wants SPDX license ids; Hugging Face cards write lower-case ids
// ("apache-2.0"). Returns the SPDX id for the ids cards commonly use, or ""
// when the id is not a known SPDX id (then it is emitted as a license name).
std::string SpdxLicenseId(const std::string& card_license);

}  // namespace modelgate::provenance::bom

#endif  // MODELGATE_PROVENANCE_BOM_CYCLONEDX_H_
