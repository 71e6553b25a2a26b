// `modelgate verify`: checks a model file or folder against an OMS bundle,
// by public key, by certificate chain against a trust anchor, or (keyless)
// against a pinned Sigstore trusted_root.json. docs/provenance/signing.md
// documents the checks, the messages and the JSON output.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>

#include "cli/commands.h"
#include "cli/provenance_cli_util.h"
#include "modelgate/limits.h"
#include "provenance/signer.h"
#include "provenance/verifier.h"

namespace modelgate::cli {

namespace {

namespace fs = std::filesystem;
using provenance::VerificationResult;
using provenance::VerifyMethod;
using provenance::VerifyOptions;

struct VerifyArgs {
  std::string model;
  std::string key;
  std::string ca;
  std::string trusted_root;
  std::string identity;
  std::string issuer;
  std::string signature;
  std::string attestation;
  bool require_pass = false;
  bool ignore_unsigned_files = false;
  bool check_certificate_expiry = false;
  std::vector<std::string> ignore_paths;
  std::string format = "text";
  unsigned jobs = 0;
};

constexpr std::uint64_t kMaxKeyFileBytes = 1u << 20;

std::string_view MethodName(VerifyMethod m) {
  switch (m) {
    case VerifyMethod::kKey:
      return "key";
    case VerifyMethod::kCertificate:
      return "certificate";
    case VerifyMethod::kKeyless:
      return "sigstore";
  }
  return "key";
}

// What a verified gate attestation recorded (docs/provenance/attest.md).
nlohmann::ordered_json AttestationJson(const provenance::ParsedAttestation& a) {
  nlohmann::ordered_json counts;
  for (int s = static_cast<int>(Severity::kCritical); s >= 0; --s) {
    counts[std::string(SeverityName(static_cast<Severity>(s)))] = a.counts[s];
  }
  nlohmann::ordered_json out{{"verdict", a.verdict},   {"fail_on", a.fail_on}, {"checked_at", a.checked_at},
                             {"tool_version", a.tool_version}, {"counts", counts}};
  if (a.bom) out["bom"] = {{"sha256", a.bom->sha256_hex}, {"serial_number", a.bom->serial_number}};
  return out;
}

std::string RenderJson(const VerifyArgs& args, const fs::path& signature, VerifyMethod method,
                       const VerificationResult& r, const std::optional<provenance::ParsedAttestation>& attestation) {
  nlohmann::ordered_json out;
  out["tool"] = {{"name", "modelgate"}, {"version", MODELGATE_VERSION}};
  out["model"] = args.model;
  out["signature"] = signature.string();
  out["method"] = MethodName(method);
  out["verified"] = r.ok;
  out["failed_check"] =
      r.ok ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(provenance::VerifyCheckName(r.failed));
  out["message"] = r.message;
  out["media_type"] = r.media_type;
  out["predicate_type"] = r.predicate_type;
  out["model_name"] = r.model_name;
  out["signer"] = r.signer;
  out["resources"] = r.resources;
  out["changed"] = r.difference.changed;
  out["added"] = r.difference.added;
  out["missing"] = r.difference.missing;
  out["warnings"] = r.warnings;
  if (attestation) out["attestation"] = AttestationJson(*attestation);
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string RenderText(const VerifyArgs& args, const VerificationResult& r,
                       const std::optional<provenance::ParsedAttestation>& attestation, bool color) {
  const char* green = color ? "\x1b[32m" : "";
  const char* red = color ? "\x1b[31m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  std::string out;
  if (r.ok) {
    out += std::string(green) + "VERIFIED" + reset + "  " + args.model + "\n";
    out += "  signer:    " + r.signer + "\n";
    out += "  statement: " + r.predicate_type + ", " + std::to_string(r.resources) + " resources, subject \"" +
           r.model_name + "\"\n";
  } else {
    out += std::string(red) + "FAILED" + reset + "  " + args.model + "\n";
    out += "  check:   " + std::string(provenance::VerifyCheckName(r.failed)) + "\n";
    out += "  reason:  " + r.message + "\n";
    for (const std::string& f : r.difference.changed) out += "  changed: " + f + "\n";
    for (const std::string& f : r.difference.added) out += "  added:   " + f + " (not signed)\n";
    for (const std::string& f : r.difference.missing) out += "  missing: " + f + "\n";
  }
  if (attestation && r.ok) {
    const provenance::ParsedAttestation& a = *attestation;
    out += "  recorded:  verdict " + a.verdict + " (fail-on " + a.fail_on + ") by modelgate " + a.tool_version +
           " at " + a.checked_at + "; findings:";
    for (int s = static_cast<int>(Severity::kCritical); s >= 0; --s) {
      out += " " + std::to_string(a.counts[s]) + " " + std::string(SeverityName(static_cast<Severity>(s)));
    }
    out += "\n";
    if (a.bom) out += "  bom:       sha256 " + a.bom->sha256_hex + " " + a.bom->serial_number + "\n";
  }
  for (const std::string& w : r.warnings) out += "  warning: " + w + "\n";
  return out;
}

int RunVerify(const VerifyArgs& args) {
  const int methods = int(!args.key.empty()) + int(!args.ca.empty()) + int(!args.trusted_root.empty());
  if (methods != 1) {
    std::cerr << "modelgate verify: give exactly one of --key, --ca, --trusted-root\n";
    return kExitUsage;
  }
  if (!args.trusted_root.empty() && (args.identity.empty() || args.issuer.empty())) {
    std::cerr << "modelgate verify: --trusted-root needs --identity and --issuer\n";
    return kExitUsage;
  }
  const fs::path model(args.model);
  std::error_code ec;
  if (!fs::exists(model, ec)) {
    std::cerr << "modelgate verify: " << args.model << ": no such file or folder\n";
    return kExitUsage;
  }
  VerifyOptions options;
  std::string error;
  auto read = [&](const std::string& file, const char* flag, std::uint64_t limit, std::string* into) {
    std::optional<std::string> text = ReadSmallFile(file, limit, &error);
    if (!text) {
      std::cerr << "modelgate verify: " << flag << ": " << error << "\n";
      return false;
    }
    *into = std::move(*text);
    return true;
  };
  if (!args.key.empty()) {
    options.method = VerifyMethod::kKey;
    if (!read(args.key, "--key", kMaxKeyFileBytes, &options.public_key_pem)) return kExitUsage;
  } else if (!args.ca.empty()) {
    options.method = VerifyMethod::kCertificate;
    if (!read(args.ca, "--ca", kMaxKeyFileBytes, &options.ca_roots_pem)) return kExitUsage;
  } else {
    options.method = VerifyMethod::kKeyless;
    if (!read(args.trusted_root, "--trusted-root", options.limits.max_trusted_root_bytes, &options.trusted_root_json)) {
      return kExitUsage;
    }
    options.identity = args.identity;
    options.issuer = args.issuer;
  }
  if (!args.attestation.empty() && !args.signature.empty()) {
    std::cerr << "modelgate verify: give --signature or --attestation, not both\n";
    return kExitUsage;
  }
  if (args.require_pass && args.attestation.empty()) {
    std::cerr << "modelgate verify: --require-pass applies to --attestation\n";
    return kExitUsage;
  }
  const fs::path signature = !args.attestation.empty() ? fs::path(args.attestation)
                             : args.signature.empty()  ? provenance::DefaultSignaturePath(model)
                                                       : fs::path(args.signature);
  std::string bundle;
  if (!read(signature.string(), args.attestation.empty() ? "--signature" : "--attestation",
            options.limits.max_bundle_bytes, &bundle)) {
    return kExitUsage;
  }
  if (!ResolveIgnorePaths(model, args.ignore_paths, &options.ignore_paths, &error)) {
    std::cerr << "modelgate verify: " << error << "\n";
    return kExitUsage;
  }
  options.signature_path = signature;
  options.ignore_unsigned_files = args.ignore_unsigned_files;
  options.check_certificate_expiry = args.check_certificate_expiry;
  options.threads = args.jobs;

  VerificationResult result;
  std::optional<provenance::ParsedAttestation> attestation;
  if (args.attestation.empty()) {
    result = provenance::VerifyModel(model, bundle, options);
  } else {
    provenance::AttestationVerification checked = provenance::VerifyAttestation(model, bundle, options);
    result = std::move(checked.result);
    attestation = std::move(checked.attestation);
    if (result.ok && args.require_pass && attestation->verdict != "pass") {
      result.ok = false;
      result.failed = provenance::VerifyCheck::kStatement;
      result.message = "attestation: the recorded verdict is " + attestation->verdict + " (fail-on " +
                       attestation->fail_on + "), and --require-pass was given";
    }
  }
  std::string out;
  if (args.format == "json") {
    out = RenderJson(args, signature, options.method, result, attestation);
  } else {
    out = RenderText(args, result, attestation, ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (result.ok) return kExitClean;
  // An unreadable model is the operator's problem, not a failed verification.
  return result.unreadable ? kExitUsage : kExitFindings;
}

}  // namespace

CommandRunner RegisterVerify(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Verify a model file or folder against its OMS bundle (model.sig by default): by public key\n"
      "(--key), by certificate chain against a trust anchor (--ca), or Sigstore keyless offline\n"
      "(--trusted-root with --identity and --issuer). Bundles of model_signing 0.2.0 to 1.1.x verify.\n"
      "Exit codes: 0 verified; 1 verification failed (the message names the check and, on a\n"
      "mismatch, every changed, added and missing file); 2 usage error or unreadable path.");
  cmd->add_option("model", args->model, "Model file or folder")->required();
  cmd->add_option("--key", args->key, "Public key, PEM");
  cmd->add_option("--ca", args->ca, "Trust anchor(s), PEM: the root of the bundle's certificate chain");
  cmd->add_option("--trusted-root", args->trusted_root, "Sigstore trusted_root.json (keyless, offline)");
  cmd->add_option("--identity", args->identity, "Keyless: expected signer identity (certificate SAN)");
  cmd->add_option("--issuer", args->issuer, "Keyless: expected OIDC issuer URL");
  cmd->add_option("--signature", args->signature, "The bundle (default: model.sig inside a folder or beside a file)");
  cmd->add_option("--attestation", args->attestation,
                  "Verify a gate attestation (modelgate attest) instead of an OMS signature");
  cmd->add_flag("--require-pass", args->require_pass,
                "With --attestation: also fail unless the recorded verdict is pass");
  cmd->add_flag("--ignore-unsigned-files", args->ignore_unsigned_files,
                "Files on disk that the signature does not list are not an error (signed files must match)");
  cmd->add_flag("--check-certificate-expiry", args->check_certificate_expiry,
                "--ca: also require the chain to be valid now (model_signing checks it at signing time)");
  cmd->add_option("--ignore-paths", args->ignore_paths, "Paths (inside the model) to leave out of the check");
  cmd->add_option("-f,--format", args->format, "Output format (JSON: docs/provenance/signing.md)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("-j,--jobs", args->jobs, "Hashing threads (0 = one per core)")->capture_default_str();
  return [args] { return RunVerify(*args); };
}

}  // namespace modelgate::cli
