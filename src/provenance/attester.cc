// See attester.h.
#include "provenance/attester.h"

#include <algorithm>
#include <system_error>

#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "modelgate/mapped_file.h"
#include "provenance/crypto.h"

namespace modelgate::provenance {

namespace fs = std::filesystem;

namespace {

void AddIgnoreIfInside(const fs::path& model, const fs::path& file, std::vector<std::string>* ignore) {
  std::optional<std::string> rel = PathInsideModel(model, file);
  if (rel && std::find(ignore->begin(), ignore->end(), *rel) == ignore->end()) ignore->push_back(*rel);
}

// The BOM is our own output but still read as untrusted JSON: bounded, depth
// measured first.
Result<BomReference> ReadBomReference(const fs::path& path, const Limits& limits) {
  Result<std::unique_ptr<MappedFile>> file = MappedFile::Open(path.string());
  if (!file.ok()) return Status::InvalidArgument("--bom: " + file.status().message());
  std::string_view text = AsStringView(file.value()->bytes());
  if (text.size() > limits.max_bundle_bytes) return Status::InvalidArgument("--bom: file too large");
  if (JsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
    return Status::InvalidArgument("--bom: JSON nested too deeply");
  }
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("bomFormat", "") != "CycloneDX") {
    return Status::InvalidArgument("--bom: " + path.string() + " is not a CycloneDX JSON BOM");
  }
  BomReference ref;
  ref.sha256_hex = ToHex(Sha256(text));
  auto serial = doc.find("serialNumber");
  if (serial != doc.end() && serial->is_string()) ref.serial_number = serial->get<std::string>();
  return ref;
}

}  // namespace

fs::path DefaultAttestationPath(const fs::path& model) {
  std::error_code ec;
  if (fs::is_directory(model, ec)) return model / kDefaultAttestationName;
  fs::path parent = model.parent_path();
  return parent.empty() ? fs::path(kDefaultAttestationName) : parent / kDefaultAttestationName;
}

Result<Attestation> AttestModel(const fs::path& model, const AttestOptions& options) {
  // Refuse a bad key before scanning and hashing a large model.
  Result<PrivateKey> key = PrivateKey::FromPem(options.keys.private_key_pem, options.keys.password);
  if (!key.ok()) return Status::InvalidArgument("private key: " + key.status().message());

  GateFacts facts;
  if (options.bom) {
    Result<BomReference> bom = ReadBomReference(*options.bom, options.scan.limits);
    if (!bom.ok()) return bom.status();
    facts.bom = std::move(bom).value();
  }

  SerializationOptions serialization;
  serialization.allow_symlinks = options.allow_symlinks;
  serialization.threads = options.scan.jobs;
  AddIgnoreIfInside(model, DefaultSignaturePath(model), &serialization.ignore_paths);
  const fs::path attestation =
      options.attestation_path.empty() ? DefaultAttestationPath(model) : options.attestation_path;
  AddIgnoreIfInside(model, attestation, &serialization.ignore_paths);
  std::sort(serialization.ignore_paths.begin(), serialization.ignore_paths.end());
  Result<Manifest> manifest = BuildManifest(model, serialization, options.scan.limits);
  if (!manifest.ok()) return manifest.status();
  if (manifest->resources.empty()) {
    return Status::InvalidArgument("model: nothing to attest (no files left after the ignore paths)");
  }

  Result<ScanReport> scan = ScanPaths({model.string()}, options.scan);
  if (!scan.ok()) return scan.status();
  // The attestation and signature files are not part of the model.
  std::error_code ec;
  const bool folder = fs::is_directory(model, ec);
  std::erase_if(scan->files, [&](const FileReport& f) {
    if (!folder) return false;
    std::optional<std::string> rel = PathInsideModel(model, f.path);
    return rel && std::binary_search(serialization.ignore_paths.begin(), serialization.ignore_paths.end(), *rel);
  });

  Attestation out;
  out.resources = manifest->resources.size();
  facts.manifest = std::move(manifest).value();
  facts.scan = &scan.value();
  facts.model_root = folder ? model.string() : model.parent_path().string();
  facts.fail_on = options.fail_on;
  facts.checked_at = options.checked_at;
  out.statement = GateStatementJson(facts);
  out.pass = true;
  for (const FileReport& f : scan->files) {
    if (f.MaxSeverity() >= options.fail_on && !f.findings.empty()) out.pass = false;
  }
  Result<std::string> bundle = SignStatementBundle(out.statement, options.keys);
  if (!bundle.ok()) return bundle.status();
  out.bundle = std::move(bundle).value();
  out.scan = std::move(scan).value();
  return out;
}

}  // namespace modelgate::provenance
