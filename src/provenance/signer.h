// Signing a model: manifest -> in-toto statement -> DSSE -> Sigstore bundle.
//
// SignModel() builds the OMS manifest of a model (a file or a folder) with
// the given serialization options, writes the statement
// (predicateType https://model_signing/signature/v1.0) as StatementJson()
// does, signs the DSSE pre-authentication encoding of those exact bytes with
// the private key's default digest (P-256 SHA-256, P-384 SHA-384, P-521
// SHA-512) and returns the v0.3 bundle JSON text: key method (publicKey.hint)
// without a certificate chain, certificate method (x509CertificateChain
// [leaf, intermediates]) with one. Nothing is written to disk here.
//
// The signature file, when it lies inside a folder model, is excluded from the
// manifest and recorded in serialization.ignore_paths by its model-relative
// path (model_signing 1.1.0 records "model.sig" the same way).
//
// Errors: kInvalidArgument for a bad key, password, chain (the leaf must
// carry the private key's public key) or option; kIOError for unreadable
// model files (from BuildManifest), each naming what failed.
//
// Thread safety: reentrant; hashing uses SerializationOptions::threads.
#ifndef MODELGATE_PROVENANCE_SIGNER_H_
#define MODELGATE_PROVENANCE_SIGNER_H_

#include <filesystem>
#include <optional>
#include <string>

#include "modelgate/status.h"
#include "provenance/manifest.h"

namespace modelgate::provenance {

inline constexpr std::string_view kDefaultSignatureName = "model.sig";

struct SignOptions {
  std::string private_key_pem;
  std::string password;        // empty: the key is not encrypted
  std::string cert_chain_pem;  // empty: key method; else leaf first, then intermediates
  SerializationOptions serialization;
  std::optional<std::string> model_name;  // default: the model path's final component
  // Where the bundle will be written; excluded from the manifest when inside
  // the model folder. Empty: DefaultSignaturePath(model).
  std::filesystem::path signature_path;
};

// "model.sig" inside a folder model, beside a file model.
std::filesystem::path DefaultSignaturePath(const std::filesystem::path& model);

// The model-relative POSIX path of `file` when it lies inside the folder
// `model` ("model.sig", "sigs/a.sig"); nullopt otherwise (file models,
// outside paths). Paths are compared after making them absolute and
// normalising "." and ".." lexically.
std::optional<std::string> PathInsideModel(const std::filesystem::path& model, const std::filesystem::path& file);

// The signer's key material: a PEM private key (optionally encrypted) and,
// for the certificate method, a PEM chain whose first certificate carries
// that key.
struct SignerKeys {
  std::string private_key_pem;
  std::string password;
  std::string cert_chain_pem;
};

// Signs any in-toto statement (payload type application/vnd.in-toto+json)
// and returns the v0.3 bundle text, key or certificate method as for
// SignModel. Used for OMS signatures and for gate attestations.
Result<std::string> SignStatementBundle(std::string payload, const SignerKeys& keys);

// The bundle JSON text (see the file comment).
Result<std::string> SignModel(const std::filesystem::path& model, const SignOptions& options);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_SIGNER_H_
