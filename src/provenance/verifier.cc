#include "provenance/verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "provenance/bundle.h"
#include "provenance/crypto.h"
#include "provenance/dsse.h"
#include "provenance/signer.h"
#include "provenance/sigstore/sigstore_verifier.h"
#include "provenance/statement.h"

namespace modelgate::provenance {

namespace {

VerificationResult Fail(VerificationResult result, VerifyCheck check, std::string message) {
  result.ok = false;
  result.failed = check;
  result.message = std::move(message);
  return result;
}

// The key the bundle names, when it names one, must be the one we were given:
// a mismatch means the operator picked the wrong key for this bundle, which
// "signature does not verify" would hide.
Status CheckBundleNamesKey(const Bundle& bundle, const PublicKey& key, std::vector<std::string>* warnings) {
  if (!bundle.public_key_hint.empty()) {
    if (bundle.public_key_hint != PublicKeyHint(key)) {
      return Status::Corruption(
          fmt::format("material: the bundle names a different public key (publicKey.hint {}, the given key is {})",
                      bundle.public_key_hint, PublicKeyHint(key)));
    }
    return Status::Ok();
  }
  if (!bundle.public_key_raw_bytes.empty()) {
    Result<PublicKey> named = PublicKey::FromPem(bundle.public_key_raw_bytes);
    if (!named.ok()) named = PublicKey::FromDer(bundle.public_key_raw_bytes);
    if (!named.ok()) return Status::Corruption("material: publicKey.rawBytes is not a public key");
    if (named->SpkiDer() != key.SpkiDer()) {
      return Status::Corruption("material: the bundle names a different public key (publicKey.rawBytes)");
    }
    warnings->push_back("the bundle uses the pre-1.1.0 publicKey format (rawBytes instead of hint)");
    return Status::Ok();
  }
  warnings->push_back("the bundle does not name its public key");
  return Status::Ok();
}

// model_signing accepts a leaf whose key usage allows digitalSignature or
// whose extended key usage includes codeSigning.
bool LeafMaySign(const Certificate& leaf) {
  const std::string ku = leaf.ExtensionValue("2.5.29.15");
  // BIT STRING: 03 len unused-bits first-byte...; digitalSignature is bit 0.
  if (ku.size() >= 4 && static_cast<unsigned char>(ku[0]) == 0x03 && (static_cast<unsigned char>(ku[3]) & 0x80)) {
    return true;
  }
  static constexpr char kCodeSigning[] = {0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03};
  const std::string eku = leaf.ExtensionValue("2.5.29.37");
  return eku.find(std::string_view(kCodeSigning, sizeof(kCodeSigning))) != std::string::npos;
}

Result<PublicKey> VerifyChain(const Bundle& bundle, const VerifyOptions& options, std::string* signer) {
  Result<std::vector<Certificate>> roots = Certificate::ChainFromPem(options.ca_roots_pem);
  if (!roots.ok() || roots->empty()) {
    return Status::InvalidArgument("certificate chain: no trust anchor in the --ca file");
  }
  std::vector<Certificate> chain;
  for (std::size_t i = 0; i < bundle.certificates.size(); ++i) {
    Result<Certificate> c = Certificate::FromDer(bundle.certificates[i]);
    if (!c.ok()) {
      return Status::Corruption(
          fmt::format("certificate chain: certificate {} of the bundle: {}", i, c.status().message()));
    }
    chain.push_back(std::move(c).value());
  }
  const Certificate& leaf = chain.front();
  *signer = leaf.SubjectText();
  const std::vector<Certificate> intermediates(chain.begin() + 1, chain.end());
  MODELGATE_RETURN_IF_ERROR(VerifyCertificateChain(leaf, intermediates, roots.value(), leaf.NotBefore()));
  if (options.check_certificate_expiry) {
    Status now = VerifyCertificateChain(leaf, intermediates, roots.value(), std::chrono::system_clock::now());
    if (!now.ok()) return Status::Corruption("certificate chain (checked now): " + now.message());
  }
  if (!LeafMaySign(leaf)) {
    return Status::Corruption(
        "certificate chain: the leaf certificate may not sign (no digitalSignature key usage, no codeSigning "
        "extended key usage)");
  }
  return leaf.Key();
}

// VerifySigstoreEvidence's messages start with the check they name.
VerifyCheck KeylessCheck(std::string_view message) {
  if (message.rfind("identity", 0) == 0) return VerifyCheck::kIdentity;
  if (message.rfind("certificate", 0) == 0) return VerifyCheck::kCertificateChain;
  if (message.rfind("bundle", 0) == 0) return VerifyCheck::kBundle;
  return VerifyCheck::kTransparencyLog;  // tlog, checkpoint, timestamps, binding
}

// Keyless: the Fulcio certificate, the Rekor entry and the identity, offline
// against the pinned trusted root. Returns the leaf's key for the DSSE check.
Result<PublicKey> VerifyKeyless(std::string_view bundle_text, const Bundle& bundle, const VerifyOptions& options,
                                VerificationResult* result) {
  Result<sigstore::TrustedRoot> root = sigstore::TrustedRoot::Parse(options.trusted_root_json, options.limits);
  if (!root.ok()) return Status::InvalidArgument("trusted root: " + root.status().message());
  // ParseBundle has bounded the size and the depth of this text already.
  const nlohmann::json doc = nlohmann::json::parse(bundle_text.begin(), bundle_text.end(), nullptr, false);
  if (doc.is_discarded()) return Status::Corruption("bundle: not valid JSON");
  if (bundle.envelope.signatures.size() != 1) {
    return Status::Corruption("bundle: a keyless bundle must carry exactly one DSSE signature");
  }
  const sigstore::DsseView view{bundle.envelope.payload_type, bundle.envelope.payload,
                                bundle.envelope.signatures[0].sig};
  const sigstore::IdentityPolicy policy{options.identity, options.issuer};
  Result<Certificate> leaf = sigstore::VerifySigstoreEvidence(doc, root.value(), policy, view, options.limits);
  if (!leaf.ok()) return leaf.status();
  result->signer = options.identity + " (" + options.issuer + ")";
  return leaf->Key();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i == 8) {
      out += fmt::format(", ... ({} more)", names.size() - i);
      break;
    }
    if (i) out += ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

std::string_view VerifyCheckName(VerifyCheck check) {
  switch (check) {
    case VerifyCheck::kNone:
      return "none";
    case VerifyCheck::kBundle:
      return "bundle";
    case VerifyCheck::kMaterial:
      return "material";
    case VerifyCheck::kCertificateChain:
      return "certificate-chain";
    case VerifyCheck::kSignature:
      return "signature";
    case VerifyCheck::kIdentity:
      return "identity";
    case VerifyCheck::kTransparencyLog:
      return "transparency-log";
    case VerifyCheck::kStatement:
      return "statement";
    case VerifyCheck::kModel:
      return "model";
    case VerifyCheck::kManifest:
      return "manifest";
  }
  return "unknown";
}

namespace {

// Steps 1-4: the bundle is well formed and its DSSE signature holds for the
// signer the options trust. On failure `result` says which check failed and
// nullopt is returned.
std::optional<Bundle> VerifySignedEnvelope(std::string_view bundle_text, const VerifyOptions& options,
                                           VerificationResult& result) {
  Result<Bundle> bundle = ParseBundle(bundle_text, options.limits);
  if (!bundle.ok()) {
    result = Fail(std::move(result), VerifyCheck::kBundle, bundle.status().message());
    return std::nullopt;
  }
  result.media_type = bundle->media_type;

  // 2-4: who signed, and does the signature hold.
  std::optional<PublicKey> signing_key;
  switch (options.method) {
    case VerifyMethod::kKey: {
      if (bundle->material != MaterialKind::kPublicKey) {
        {
    result = Fail(std::move(result), VerifyCheck::kMaterial,
                    "material: the bundle carries a certificate, not a public key (verify it with --ca or "
                    "--trusted-root)");
    return std::nullopt;
  }
      }
      Result<PublicKey> key = PublicKey::FromPem(options.public_key_pem);
      if (!key.ok()) {
        result.unreadable = true;
        {
    result = Fail(std::move(result), VerifyCheck::kMaterial, "public key: " + key.status().message());
    return std::nullopt;
  }
      }
      Status named = CheckBundleNamesKey(bundle.value(), key.value(), &result.warnings);
      if (!named.ok()) {
    result = Fail(std::move(result), VerifyCheck::kMaterial, named.message());
    return std::nullopt;
  }
      result.signer = "public key " + PublicKeyHint(key.value());
      signing_key = std::move(key).value();
      break;
    }
    case VerifyMethod::kCertificate: {
      if (bundle->material != MaterialKind::kCertificateChain) {
        {
    result = Fail(std::move(result), VerifyCheck::kMaterial,
                    bundle->material == MaterialKind::kPublicKey
                        ? "material: the bundle carries a public key, not a certificate chain (verify it with --key)"
                        : "material: the bundle carries a Sigstore keyless certificate, not a certificate chain "
                          "(verify it with --trusted-root)");
    return std::nullopt;
  }
      }
      Result<PublicKey> key = VerifyChain(bundle.value(), options, &result.signer);
      if (!key.ok()) {
        const std::string& m = key.status().message();
        result.unreadable = key.status().code() == StatusCode::kInvalidArgument;  // the --ca file
        {
    result = Fail(std::move(result), VerifyCheck::kCertificateChain,
                    m.rfind("certificate chain", 0) == 0 ? m : "certificate chain: " + m);
    return std::nullopt;
  }
      }
      signing_key = std::move(key).value();
      break;
    }
    case VerifyMethod::kKeyless: {
      if (bundle->material == MaterialKind::kPublicKey) {
        {
    result = Fail(std::move(result), VerifyCheck::kMaterial,
                    "material: the bundle carries a public key, not a Sigstore certificate (verify it with --key)");
    return std::nullopt;
  }
      }
      if (bundle->material == MaterialKind::kCertificateChain && bundle->minor_version >= 3) {
        {
    result = Fail(std::move(result), VerifyCheck::kMaterial,
                    "material: the bundle carries a certificate chain, not a Sigstore keyless certificate (verify "
                    "it with --ca)");
    return std::nullopt;
  }
      }
      Result<PublicKey> key = VerifyKeyless(bundle_text, bundle.value(), options, &result);
      if (!key.ok()) {
        const std::string& m = key.status().message();
        if (key.status().code() == StatusCode::kInvalidArgument && m.rfind("trusted root", 0) == 0) {
          result.unreadable = true;  // an unusable --trusted-root is the operator's problem
          {
    result = Fail(std::move(result), VerifyCheck::kTransparencyLog, m);
    return std::nullopt;
  }
        }
        {
    result = Fail(std::move(result), KeylessCheck(m), m);
    return std::nullopt;
  }
      }
      signing_key = std::move(key).value();
      break;
    }
  }

  Result<DsseEncoding> verified = VerifyDsse(bundle->envelope, *signing_key, /*allow_legacy=*/true);
  if (!verified.ok()) {
    result = Fail(std::move(result), VerifyCheck::kSignature, verified.status().message());
    return std::nullopt;
  }
  if (verified.value() == DsseEncoding::kLegacy020) {
    result.warnings.push_back("signed with model_signing 0.2.0's legacy pre-authentication encoding");
  }
  return std::move(bundle).value();
}

// Step 6: hashes the model again with the serialization that was signed and
// names every difference. Sets result.ok when the model matches.
VerificationResult CompareModel(const std::filesystem::path& model, const Manifest& signed_manifest,
                                const VerifyOptions& options, VerificationResult result) {
  SerializationOptions serialization = signed_manifest.serialization;
  serialization.threads = options.threads;
  serialization.cache = nullptr;
  for (const std::string& p : options.ignore_paths) serialization.ignore_paths.push_back(p);
  const std::filesystem::path signature =
      options.signature_path.empty() ? DefaultSignaturePath(model) : options.signature_path;
  if (std::optional<std::string> rel = PathInsideModel(model, signature)) serialization.ignore_paths.push_back(*rel);
  std::sort(serialization.ignore_paths.begin(), serialization.ignore_paths.end());
  serialization.ignore_paths.erase(std::unique(serialization.ignore_paths.begin(), serialization.ignore_paths.end()),
                                   serialization.ignore_paths.end());

  Result<Manifest> actual = BuildManifest(model, serialization, options.limits);
  if (!actual.ok()) {
    result.unreadable = actual.status().code() == StatusCode::kIOError;
    return Fail(std::move(result), VerifyCheck::kModel, "model: " + actual.status().message());
  }
  for (const std::string& w : actual->warnings) result.warnings.push_back(w);
  result.difference = CompareManifests(signed_manifest, actual.value());
  if (options.ignore_unsigned_files) result.difference.added.clear();
  if (!result.difference.empty()) {
    const ManifestDifference& d = result.difference;
    std::string message = "manifest: the model differs from what was signed:";
    if (!d.changed.empty()) message += fmt::format(" changed {}", JoinNames(d.changed));
    if (!d.added.empty())
      message += fmt::format("{} added (not signed) {}", d.changed.empty() ? "" : ";", JoinNames(d.added));
    if (!d.missing.empty()) {
      message += fmt::format("{} missing {}", d.changed.empty() && d.added.empty() ? "" : ";", JoinNames(d.missing));
    }
    return Fail(std::move(result), VerifyCheck::kManifest, std::move(message));
  }
  result.ok = true;
  result.message = "verified";
  return result;
}

bool IsInTotoPayload(const Bundle& bundle, VerificationResult& result) {
  if (bundle.envelope.payload_type == kInTotoPayloadType) return true;
  result = Fail(std::move(result), VerifyCheck::kStatement,
                fmt::format("statement: payloadType is \"{}\", expected \"{}\"", bundle.envelope.payload_type,
                            kInTotoPayloadType));
  return false;
}

}  // namespace

VerificationResult VerifyModel(const std::filesystem::path& model, std::string_view bundle_text,
                               const VerifyOptions& options) {
  VerificationResult result;
  std::optional<Bundle> bundle = VerifySignedEnvelope(bundle_text, options, result);
  if (!bundle) return result;

  // 5: what was signed.
  if (!IsInTotoPayload(*bundle, result)) return result;
  Result<ParsedStatement> statement = ParseStatement(bundle->envelope.payload, options.limits);
  if (!statement.ok()) {
    const std::string& m = statement.status().message();
    return Fail(std::move(result), VerifyCheck::kStatement, m.rfind("statement", 0) == 0 ? m : "statement: " + m);
  }
  result.predicate_type = statement->predicate_type;
  result.model_name = statement->manifest.model_name;
  result.resources = statement->manifest.resources.size();
  for (const std::string& w : statement->manifest.warnings) result.warnings.push_back(w);

  // 6: is the model what was signed.
  return CompareModel(model, statement->manifest, options, std::move(result));
}

AttestationVerification VerifyAttestation(const std::filesystem::path& model, std::string_view bundle_text,
                                          const VerifyOptions& options) {
  AttestationVerification out;
  std::optional<Bundle> bundle = VerifySignedEnvelope(bundle_text, options, out.result);
  if (!bundle) return out;
  if (!IsInTotoPayload(*bundle, out.result)) return out;
  Result<ParsedAttestation> attestation = ParseGateStatement(bundle->envelope.payload, options.limits);
  if (!attestation.ok()) {
    const std::string& m = attestation.status().message();
    out.result = Fail(std::move(out.result), VerifyCheck::kStatement,
                      m.rfind("attestation", 0) == 0 ? m : "attestation: " + m);
    return out;
  }
  out.result.predicate_type = std::string(kGatePredicateType);
  out.result.model_name = attestation->model_name;
  out.result.resources = attestation->manifest.resources.size();
  out.attestation = std::move(attestation).value();
  out.result = CompareModel(model, out.attestation->manifest, options, std::move(out.result));
  if (out.result.failed == VerifyCheck::kManifest) {
    out.result.message.replace(0, std::string_view("manifest: the model differs from what was signed").size(),
                               "manifest: the model differs from what was attested");
  }
  return out;
}

}  // namespace modelgate::provenance
