// See attestation.h.
#include "provenance/attestation.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/hashing.h"
#include "base/json_depth.h"
#include "base/rfc3339.h"

namespace modelgate::provenance {
namespace {

using ordered_json = nlohmann::ordered_json;
using json = nlohmann::json;

constexpr std::string_view kToolName = "modelgate";

// Findings below this are facts (format, counts) and would only bloat the
// statement; they are still counted.
constexpr Severity kListedFrom = Severity::kLow;

std::string RelativeTo(const std::string& path, const std::string& root) {
  if (root.empty()) return path;
  std::filesystem::path rel = std::filesystem::path(path).lexically_relative(root);
  if (rel.empty() || rel.native().starts_with("..")) return path;
  return rel.generic_string();
}

Result<std::string> FromHex(std::string_view hex) {
  std::string raw;
  if (!HexDecode(hex, &raw)) return Status::Corruption("digest \"" + std::string(hex.substr(0, 80)) + "\" is not hex");
  return raw;
}

const json* Member(const json& object, const char* key, json::value_t type) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->type() != type) return nullptr;
  return &*it;
}

Status Missing(const std::string& what) { return Status::Corruption("attestation: " + what + " is missing or not of the right type"); }

}  // namespace

std::string GateStatementJson(const GateFacts& facts) {
  const Manifest& m = facts.manifest;
  ordered_json serialization;
  serialization["method"] = m.serialization.method == SerializationMethod::kFiles ? "files" : "shards";
  serialization["hash_type"] = std::string(HashAlgorithmName(m.serialization.hash));
  serialization["allow_symlinks"] = m.serialization.allow_symlinks;
  if (m.serialization.method == SerializationMethod::kShards) serialization["shard_size"] = m.serialization.shard_size;
  ordered_json ignore = ordered_json::array();
  for (const std::string& p : RecordedIgnorePaths(m.serialization)) ignore.push_back(p);
  serialization["ignore_paths"] = ignore;
  ordered_json resources = ordered_json::array();
  for (const Resource& r : m.resources) {
    resources.push_back({{"name", r.name}, {"algorithm", r.algorithm}, {"digest", ToHex(r.digest)}});
  }

  std::array<std::size_t, 5> counts{};
  ordered_json findings = ordered_json::array();
  Severity worst = Severity::kInfo;
  if (facts.scan != nullptr) {
    for (const FileReport& file : facts.scan->files) {
      for (const Finding& f : file.findings) {
        ++counts[static_cast<int>(f.severity)];
        if (f.severity > worst) worst = f.severity;
        if (f.severity < kListedFrom) continue;
        ordered_json entry{{"id", f.id}, {"severity", std::string(SeverityName(f.severity))},
                           {"path", RelativeTo(f.path, facts.model_root)}};
        if (!f.member.empty()) entry["member"] = f.member;
        findings.push_back(std::move(entry));
      }
    }
  }
  ordered_json count_object;
  for (int s = static_cast<int>(Severity::kCritical); s >= 0; --s) {
    count_object[std::string(SeverityName(static_cast<Severity>(s)))] = counts[s];
  }
  std::size_t at_or_above = 0;
  for (int s = static_cast<int>(facts.fail_on); s <= static_cast<int>(Severity::kCritical); ++s) at_or_above += counts[s];
  const bool pass = facts.scan != nullptr && at_or_above == 0;

  ordered_json predicate;
  predicate["tool"] = {{"name", kToolName}, {"version", MODELGATE_VERSION}};
  predicate["checkedAt"] = facts.checked_at.empty() ? NowRfc3339() : facts.checked_at;
  predicate["model"] = {{"serialization", serialization}, {"resources", resources}};
  predicate["scan"] = {{"failOn", std::string(SeverityName(facts.fail_on))},
                       {"verdict", pass ? "pass" : "fail"},
                       {"highestSeverity", std::string(SeverityName(worst))},
                       {"counts", count_object},
                       {"findings", findings}};
  if (facts.bom) predicate["bom"] = {{"sha256", facts.bom->sha256_hex}, {"serialNumber", facts.bom->serial_number}};

  ordered_json statement;
  statement["_type"] = "https://in-toto.io/Statement/v1";
  statement["subject"] = ordered_json::array({{{"name", m.model_name}, {"digest", {{"sha256", ToHex(m.RootDigest())}}}}});
  statement["predicateType"] = std::string(kGatePredicateType);
  statement["predicate"] = std::move(predicate);
  return statement.dump(2);
}

Result<ParsedAttestation> ParseGateStatement(std::string_view payload, const Limits& limits) {
  if (payload.size() > limits.max_statement_bytes) {
    return Status::LimitExceeded("attestation statement of " + std::to_string(payload.size()) + " bytes exceeds the limit");
  }
  if (JsonDepth(payload, limits.max_json_depth) > limits.max_json_depth) {
    return Status::LimitExceeded("attestation statement nests deeper than " + std::to_string(limits.max_json_depth));
  }
  json doc = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Corruption("attestation: payload is not a JSON object");

  const json* type = Member(doc, "predicateType", json::value_t::string);
  if (type == nullptr) return Missing("predicateType");
  if (type->get<std::string>() != kGatePredicateType) {
    return Status::Corruption("attestation: predicateType is \"" + type->get<std::string>().substr(0, 200) +
                              "\", not " + std::string(kGatePredicateType));
  }
  ParsedAttestation out;
  const json* subjects = Member(doc, "subject", json::value_t::array);
  if (subjects == nullptr || subjects->size() != 1) return Missing("subject (exactly one)");
  const json& subject = (*subjects)[0];
  const json* name = Member(subject, "name", json::value_t::string);
  const json* digest = Member(subject, "digest", json::value_t::object);
  const json* sha = digest ? Member(*digest, "sha256", json::value_t::string) : nullptr;
  if (name == nullptr || sha == nullptr) return Missing("subject name or digest.sha256");
  out.model_name = name->get<std::string>();
  Result<std::string> raw = FromHex(sha->get<std::string>());
  if (!raw.ok()) return raw.status();
  out.subject_digest = std::move(raw).value();

  const json* predicate = Member(doc, "predicate", json::value_t::object);
  if (predicate == nullptr) return Missing("predicate");
  if (const json* tool = Member(*predicate, "tool", json::value_t::object)) {
    if (const json* v = Member(*tool, "version", json::value_t::string)) out.tool_version = v->get<std::string>();
  }
  if (const json* at = Member(*predicate, "checkedAt", json::value_t::string)) out.checked_at = at->get<std::string>();

  const json* model = Member(*predicate, "model", json::value_t::object);
  const json* serialization = model ? Member(*model, "serialization", json::value_t::object) : nullptr;
  const json* resources = model ? Member(*model, "resources", json::value_t::array) : nullptr;
  if (serialization == nullptr || resources == nullptr) return Missing("predicate.model.serialization/resources");
  if (resources->size() > limits.max_manifest_resources) return Status::LimitExceeded("attestation lists too many resources");
  SerializationOptions& opts = out.manifest.serialization;
  const json* method = Member(*serialization, "method", json::value_t::string);
  const json* hash = Member(*serialization, "hash_type", json::value_t::string);
  if (method == nullptr || hash == nullptr) return Missing("serialization.method/hash_type");
  if (*method == "shards") {
    opts.method = SerializationMethod::kShards;
    // find(), never operator[]: on a const json a missing key is undefined
    // behaviour (found by attestation_fuzzer).
    auto size = serialization->find("shard_size");
    if (size == serialization->end() || !size->is_number_unsigned() || size->get<std::uint64_t>() == 0) {
      return Missing("serialization.shard_size");
    }
    opts.shard_size = size->get<std::uint64_t>();
  } else if (*method != "files") {
    return Status::Corruption("attestation: unknown serialization method \"" + method->get<std::string>().substr(0, 80) + "\"");
  }
  std::optional<HashAlgorithm> algorithm = ParseHashAlgorithm(hash->get<std::string>());
  if (!algorithm) return Status::Corruption("attestation: unknown hash_type \"" + hash->get<std::string>().substr(0, 80) + "\"");
  opts.hash = *algorithm;
  if (const json* links = Member(*serialization, "allow_symlinks", json::value_t::boolean)) opts.allow_symlinks = links->get<bool>();
  if (const json* ignore = Member(*serialization, "ignore_paths", json::value_t::array)) {
    opts.ignore_git_paths = false;  // the recorded list is complete
    for (const json& p : *ignore) {
      if (!p.is_string()) return Missing("serialization.ignore_paths[] string");
      opts.ignore_paths.push_back(p.get<std::string>());
    }
  }
  for (const json& r : *resources) {
    const json* rn = Member(r, "name", json::value_t::string);
    const json* ra = Member(r, "algorithm", json::value_t::string);
    const json* rd = Member(r, "digest", json::value_t::string);
    if (rn == nullptr || ra == nullptr || rd == nullptr) return Missing("resource name/algorithm/digest");
    Result<std::string> d = FromHex(rd->get<std::string>());
    if (!d.ok()) return d.status();
    out.manifest.resources.push_back({rn->get<std::string>(), ra->get<std::string>(), std::move(d).value()});
  }
  out.manifest.model_name = out.model_name;
  if (out.manifest.RootDigest() != out.subject_digest) {
    return Status::Corruption("attestation: subject digest " + ToHex(out.subject_digest) +
                              " is not the root digest of the attested resources (" + ToHex(out.manifest.RootDigest()) + ")");
  }

  const json* scan = Member(*predicate, "scan", json::value_t::object);
  if (scan == nullptr) return Missing("predicate.scan");
  const json* verdict = Member(*scan, "verdict", json::value_t::string);
  const json* fail_on = Member(*scan, "failOn", json::value_t::string);
  if (verdict == nullptr || fail_on == nullptr) return Missing("scan.verdict/failOn");
  out.verdict = verdict->get<std::string>();
  out.fail_on = fail_on->get<std::string>();
  if (out.verdict != "pass" && out.verdict != "fail") return Status::Corruption("attestation: verdict \"" + out.verdict.substr(0, 40) + "\"");
  if (const json* counts = Member(*scan, "counts", json::value_t::object)) {
    for (int s = 0; s < 5; ++s) {
      auto it = counts->find(std::string(SeverityName(static_cast<Severity>(s))));
      if (it != counts->end() && it->is_number_unsigned()) out.counts[s] = it->get<std::size_t>();
    }
  }
  if (const json* bom = Member(*predicate, "bom", json::value_t::object)) {
    const json* bs = Member(*bom, "sha256", json::value_t::string);
    const json* serial = Member(*bom, "serialNumber", json::value_t::string);
    if (bs && serial) out.bom = BomReference{bs->get<std::string>(), serial->get<std::string>()};
  }
  return out;
}

}  // namespace modelgate::provenance
