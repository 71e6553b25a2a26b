#include "provenance/signer.h"

#include <algorithm>
#include <system_error>

#include "provenance/bundle.h"
#include "provenance/crypto.h"
#include "provenance/dsse.h"
#include "provenance/statement.h"

namespace modelgate::provenance {

namespace fs = std::filesystem;

fs::path DefaultSignaturePath(const fs::path& model) {
  std::error_code ec;
  if (fs::is_directory(model, ec)) return model / kDefaultSignatureName;
  fs::path parent = model.parent_path();
  return parent.empty() ? fs::path(kDefaultSignatureName) : parent / kDefaultSignatureName;
}

std::optional<std::string> PathInsideModel(const fs::path& model, const fs::path& file) {
  std::error_code ec;
  if (!fs::is_directory(model, ec)) return std::nullopt;
  const fs::path root = fs::absolute(model, ec).lexically_normal();
  if (ec) return std::nullopt;
  const fs::path target = fs::absolute(file, ec).lexically_normal();
  if (ec) return std::nullopt;
  const fs::path rel = target.lexically_relative(root);
  if (rel.empty() || rel == "." || *rel.begin() == "..") return std::nullopt;
  return rel.generic_string();
}

Result<std::string> SignStatementBundle(std::string payload, const SignerKeys& keys) {
  Result<PrivateKey> key = PrivateKey::FromPem(keys.private_key_pem, keys.password);
  if (!key.ok()) return Status::InvalidArgument("private key: " + key.status().message());
  const PublicKey public_key = key->Public();

  std::vector<Certificate> chain;
  if (!keys.cert_chain_pem.empty()) {
    Result<std::vector<Certificate>> parsed = Certificate::ChainFromPem(keys.cert_chain_pem);
    if (!parsed.ok()) return Status::InvalidArgument("certificate chain: " + parsed.status().message());
    chain = std::move(parsed).value();
    if (chain.empty()) return Status::InvalidArgument("certificate chain: no certificate in the PEM text");
    // model_signing refuses the same mismatch: a bundle whose leaf cannot
    // verify its own signature is useless to every verifier.
    if (chain.front().Key().SpkiDer() != public_key.SpkiDer()) {
      return Status::InvalidArgument(
          "certificate chain: the first (leaf) certificate does not carry the private key's public key");
    }
  }
  Result<DsseEnvelope> envelope = SignDsse(kInTotoPayloadType, std::move(payload), key.value());
  if (!envelope.ok()) return envelope.status();
  if (chain.empty()) return WriteKeyBundle(envelope.value(), public_key);
  return WriteCertificateBundle(envelope.value(), chain);
}

Result<std::string> SignModel(const fs::path& model, const SignOptions& options) {
  // Refuse a bad key before hashing a large model.
  Result<PrivateKey> key = PrivateKey::FromPem(options.private_key_pem, options.password);
  if (!key.ok()) return Status::InvalidArgument("private key: " + key.status().message());

  SerializationOptions serialization = options.serialization;
  const fs::path signature = options.signature_path.empty() ? DefaultSignaturePath(model) : options.signature_path;
  if (std::optional<std::string> rel = PathInsideModel(model, signature)) {
    if (std::find(serialization.ignore_paths.begin(), serialization.ignore_paths.end(), *rel) ==
        serialization.ignore_paths.end()) {
      serialization.ignore_paths.push_back(*rel);
    }
  }

  Result<Manifest> manifest = BuildManifest(model, serialization);
  if (!manifest.ok()) return manifest.status();
  // OMS 6.1: a signature over nothing would verify any empty folder.
  if (manifest->resources.empty()) {
    return Status::InvalidArgument("model: nothing to sign (no files left after the ignore paths)");
  }
  if (options.model_name.has_value()) manifest->model_name = *options.model_name;

  return SignStatementBundle(StatementJson(manifest.value()),
                             SignerKeys{options.private_key_pem, options.password, options.cert_chain_pem});
}

}  // namespace modelgate::provenance
