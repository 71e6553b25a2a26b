// `modelgate sign`: writes an OMS bundle (Sigstore bundle v0.3, DSSE over an
// in-toto statement) for a model file or folder, signed with a private key
// and optionally a certificate chain. docs/provenance/signing.md.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <system_error>

#include "cli/commands.h"
#include "cli/provenance_cli_util.h"
#include "modelgate/limits.h"
#include "provenance/digest_cache.h"
#include "provenance/signer.h"

namespace modelgate::cli {

namespace {

namespace fs = std::filesystem;
using provenance::SignOptions;

struct SignArgs {
  std::string model;
  std::string key;
  std::string password_file;
  std::string cert_chain;
  std::string signature;
  std::string method = "files";
  std::uint64_t shard_size = 1'000'000'000;
  std::string hash = "sha256";
  std::vector<std::string> ignore_paths;
  bool allow_symlinks = false;
  bool no_ignore_git_paths = false;
  std::string model_name;
  std::string digest_cache;
  unsigned jobs = 0;
};

constexpr std::uint64_t kMaxKeyFileBytes = 1u << 20;

int RunSign(const SignArgs& args) {
  const fs::path model(args.model);
  std::error_code ec;
  if (!fs::exists(model, ec)) {
    std::cerr << "modelgate sign: " << args.model << ": no such file or folder\n";
    return kExitUsage;
  }
  SignOptions options;
  std::string error;
  std::optional<std::string> key = ReadSmallFile(args.key, kMaxKeyFileBytes, &error);
  if (!key) {
    std::cerr << "modelgate sign: --key: " << error << "\n";
    return kExitUsage;
  }
  options.private_key_pem = std::move(*key);
  if (!args.password_file.empty()) {
    std::optional<std::string> password = ReadSmallFile(args.password_file, kMaxKeyFileBytes, &error);
    if (!password) {
      std::cerr << "modelgate sign: --password-file: " << error << "\n";
      return kExitUsage;
    }
    while (!password->empty() && (password->back() == '\n' || password->back() == '\r')) password->pop_back();
    options.password = std::move(*password);
  }
  if (!args.cert_chain.empty()) {
    std::optional<std::string> chain = ReadSmallFile(args.cert_chain, kMaxKeyFileBytes, &error);
    if (!chain) {
      std::cerr << "modelgate sign: --cert-chain: " << error << "\n";
      return kExitUsage;
    }
    options.cert_chain_pem = std::move(*chain);
  }
  options.serialization.method =
      args.method == "shards" ? provenance::SerializationMethod::kShards : provenance::SerializationMethod::kFiles;
  options.serialization.shard_size = args.shard_size;
  options.serialization.hash = *provenance::ParseHashAlgorithm(args.hash);
  options.serialization.allow_symlinks = args.allow_symlinks;
  options.serialization.ignore_git_paths = !args.no_ignore_git_paths;
  options.serialization.threads = args.jobs;
  if (!ResolveIgnorePaths(model, args.ignore_paths, &options.serialization.ignore_paths, &error)) {
    std::cerr << "modelgate sign: " << error << "\n";
    return kExitUsage;
  }
  if (!args.model_name.empty()) options.model_name = args.model_name;
  options.signature_path = args.signature.empty() ? provenance::DefaultSignaturePath(model) : fs::path(args.signature);

  // Opt-in: trusts file metadata to skip re-hashing unchanged files
  // (docs/provenance/manifest.md). The cache file is never part of the model.
  provenance::DigestCache cache;
  if (!args.digest_cache.empty()) {
    cache.Load(args.digest_cache);
    for (const std::string& w : cache.warnings()) std::cerr << "modelgate sign: warning: " << w << "\n";
    options.serialization.cache = &cache;
    if (std::optional<std::string> rel = provenance::PathInsideModel(model, args.digest_cache)) {
      options.serialization.ignore_paths.push_back(*rel);
    }
  }
  Result<std::string> bundle = provenance::SignModel(model, options);
  if (!bundle.ok()) {
    std::cerr << "modelgate sign: " << bundle.status().message() << "\n";
    return kExitUsage;
  }
  if (!WriteFileAtomically(options.signature_path, bundle.value(), &error)) {
    std::cerr << "modelgate sign: " << error << "\n";
    return kExitUsage;
  }
  if (!args.digest_cache.empty()) {
    Status saved = cache.Save(args.digest_cache);
    if (!saved.ok()) std::cerr << "modelgate sign: warning: " << saved.message() << "\n";
  }
  std::cout << "signed " << args.model << " (" << (args.cert_chain.empty() ? "key" : "certificate") << " method, "
            << args.method << ", " << args.hash << "): " << options.signature_path.string() << "\n";
  return kExitClean;
}

}  // namespace

CommandRunner RegisterSign(CLI::App& app) {
  auto args = std::make_shared<SignArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sign",
      "Sign a model file or folder: writes an OpenSSF Model Signing (OMS) bundle that the reference\n"
      "implementation (model_signing) verifies too. Key method by default; certificate method with\n"
      "--cert-chain. The signature is model.sig inside a folder or beside a file unless --signature.\n"
      "Exit codes: 0 signed; 2 usage error, bad key or unreadable path.");
  cmd->add_option("model", args->model, "Model file or folder")->required();
  cmd->add_option("--key", args->key, "Private key, PEM (EC P-256, P-384 or P-521; PKCS#8 or SEC1)")->required();
  cmd->add_option("--password-file", args->password_file, "File holding the private key's password");
  cmd->add_option("--cert-chain", args->cert_chain,
                  "PEM certificates: the signing (leaf) certificate first, then intermediates");
  cmd->add_option("--signature", args->signature, "Where to write the bundle (default: model.sig)");
  cmd->add_option("--method", args->method, "Serialization: one digest per file, or per shard")
      ->check(CLI::IsMember({"files", "shards"}))
      ->capture_default_str();
  cmd->add_option("--shard-size", args->shard_size, "Shard size in bytes (--method shards)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62))
      ->capture_default_str();
  cmd->add_option("--hash", args->hash, "File digest")
      ->check(CLI::IsMember({"sha256", "blake2b"}))
      ->capture_default_str();
  cmd->add_option("--ignore-paths", args->ignore_paths, "Paths (inside the model) to leave out of the signature");
  cmd->add_flag("--no-ignore-git-paths", args->no_ignore_git_paths,
                "Also sign .git, .gitattributes, .github and .gitignore");
  cmd->add_flag("--allow-symlinks", args->allow_symlinks, "Follow symbolic links inside the model (refused otherwise)");
  cmd->add_option("--model-name", args->model_name, "Subject name in the statement (default: the model's name)");
  cmd->add_option("--digest-cache", args->digest_cache,
                  "Opt-in digest cache file: unchanged files (same size, mtime, ctime, inode) are not re-hashed");
  cmd->add_option("-j,--jobs", args->jobs, "Hashing threads (0 = one per core)")->capture_default_str();
  return [args] { return RunSign(*args); };
}

}  // namespace modelgate::cli
