// `modelgate attest`: scans a model, digests it and writes a signed gate
// attestation (in-toto statement, predicate gate/v1, in a Sigstore bundle)
// recording what was found. docs/provenance/attest.md.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/provenance_cli_util.h"
#include "modelgate/policy.h"
#include "provenance/attester.h"

namespace modelgate::cli {

namespace {

namespace fs = std::filesystem;

struct AttestArgs {
  std::string model;
  std::string key;
  std::string password_file;
  std::string cert_chain;
  std::string output;
  std::string bom;
  std::string fail_on = "high";
  std::vector<std::string> policy_files;
  bool allow_symlinks = false;
  std::string format = "text";
  unsigned jobs = 0;
};

constexpr std::uint64_t kMaxKeyFileBytes = 1u << 20;

bool ReadInto(const std::string& path, const char* option, std::string* out) {
  std::string error;
  std::optional<std::string> text = ReadSmallFile(path, kMaxKeyFileBytes, &error);
  if (!text) {
    std::cerr << "modelgate attest: " << option << ": " << error << "\n";
    return false;
  }
  *out = std::move(*text);
  return true;
}

int RunAttest(const AttestArgs& args) {
  const fs::path model(args.model);
  std::error_code ec;
  if (!fs::exists(model, ec)) {
    std::cerr << "modelgate attest: " << args.model << ": no such file or folder\n";
    return kExitUsage;
  }
  provenance::AttestOptions options;
  if (!ReadInto(args.key, "--key", &options.keys.private_key_pem)) return kExitUsage;
  if (!args.password_file.empty()) {
    if (!ReadInto(args.password_file, "--password-file", &options.keys.password)) return kExitUsage;
    while (!options.keys.password.empty() &&
           (options.keys.password.back() == '\n' || options.keys.password.back() == '\r')) {
      options.keys.password.pop_back();
    }
  }
  if (!args.cert_chain.empty() && !ReadInto(args.cert_chain, "--cert-chain", &options.keys.cert_chain_pem)) {
    return kExitUsage;
  }
  ParseSeverity(args.fail_on, &options.fail_on);  // CLI11 checked the name
  std::unique_ptr<Policy> policy;
  if (!args.policy_files.empty()) {
    policy = Policy::NewBuiltin();
    for (const std::string& file : args.policy_files) {
      std::string text;
      if (!ReadInto(file, "--policy", &text)) return kExitUsage;
      Status s = policy->AddRules(text, file);
      if (!s.ok()) {
        std::cerr << "modelgate attest: " << s.message() << "\n";
        return kExitUsage;
      }
    }
  }
  options.scan.policy = policy.get();
  options.scan.jobs = args.jobs;
  options.allow_symlinks = args.allow_symlinks;
  options.attestation_path = args.output.empty() ? provenance::DefaultAttestationPath(model) : fs::path(args.output);
  if (!args.bom.empty()) options.bom = fs::path(args.bom);

  Result<provenance::Attestation> attestation = provenance::AttestModel(model, options);
  if (!attestation.ok()) {
    std::cerr << "modelgate attest: " << attestation.status().message() << "\n";
    return kExitUsage;
  }
  std::string error;
  if (!WriteFileAtomically(options.attestation_path, attestation->bundle, &error)) {
    std::cerr << "modelgate attest: " << error << "\n";
    return kExitUsage;
  }
  const char* verdict = attestation->pass ? "pass" : "fail";
  if (args.format == "json") {
    nlohmann::ordered_json out{{"model", args.model},
                               {"attestation", options.attestation_path.string()},
                               {"verdict", verdict},
                               {"failOn", args.fail_on},
                               {"resources", attestation->resources},
                               {"statement", nlohmann::ordered_json::parse(attestation->statement)}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "attested " << args.model << ": " << attestation->resources << " file(s), verdict " << verdict
              << " (fail-on " << args.fail_on << "), " << (args.cert_chain.empty() ? "key" : "certificate")
              << " method: " << options.attestation_path.string() << "\n";
    if (!attestation->pass) std::cout << "run `modelgate scan " << args.model << "` for the findings\n";
  }
  return attestation->pass ? kExitClean : kExitFindings;
}

}  // namespace

CommandRunner RegisterAttest(CLI::App& app) {
  auto args = std::make_shared<AttestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "attest",
      "Scan a model and write a signed attestation (in-toto statement, predicate\n"
      "https://modelgate.dev/attestation/gate/v1, in a Sigstore bundle) of this exact model's digests and\n"
      "what the scan found. Check it later with `modelgate verify MODEL --attestation FILE`.\n"
      "Exit codes: 0 attested, verdict pass; 1 attested, verdict fail (findings at or above --fail-on);\n"
      "2 usage error, bad key or unreadable path.");
  cmd->add_option("model", args->model, "Model file or folder")->required();
  cmd->add_option("--key", args->key, "Private key, PEM (EC P-256, P-384 or P-521)")->required();
  cmd->add_option("--password-file", args->password_file, "File holding the private key's password");
  cmd->add_option("--cert-chain", args->cert_chain, "PEM certificates: leaf first, then intermediates");
  cmd->add_option("-o,--output", args->output, "Where to write the attestation (default: model.att.json)");
  cmd->add_option("--bom", args->bom, "A CycloneDX BOM of the model (modelgate bom) to bind by digest");
  cmd->add_option("--fail-on", args->fail_on, "Lowest severity that makes the verdict fail")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info"}))
      ->capture_default_str();
  cmd->add_option("--policy", args->policy_files, "Scan policy file(s) (docs/policy.md)");
  cmd->add_flag("--allow-symlinks", args->allow_symlinks, "Follow symbolic links inside the model (refused otherwise)");
  cmd->add_option("-f,--format", args->format, "Output")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_option("-j,--jobs", args->jobs, "Threads for scanning and hashing (0 = one per core)")->capture_default_str();
  return [args] { return RunAttest(*args); };
}

}  // namespace modelgate::cli
