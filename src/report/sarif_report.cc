// The --format sarif writer: SARIF 2.1.0 shaped for GitHub code scanning.
//
// Mapping (docs/output.md, "SARIF"):
//   finding id        -> rule (one reportingDescriptor per distinct id, sorted)
//   severity          -> result.level and rule properties.security-severity
//   path              -> artifactLocation.uri (relative, '/', percent-encoded)
//   member chain      -> logicalLocations[0].fullyQualifiedName + properties
//   offset            -> region.byteOffset for the file itself; properties
//                        otherwise (an offset inside a member is not a byte
//                        offset of the file on disk)
// Model files are binary, but GitHub places an alert only with a
// region.startLine, so every region carries startLine 1 as an anchor.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "modelgate/report.h"
#include "report/sarif_uri.h"

namespace modelgate {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kSarifSchemaUri =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
constexpr const char* kFingerprintKey = "modelgateFinding/v1";

const char* SarifLevel(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    case Severity::kLow:
    case Severity::kInfo: return "note";
  }
  return "note";
}

// GitHub's security-severity: a CVSS-like score, given as a string.
// >= 9.0 shows as critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
const char* SecuritySeverity(Severity s) {
  switch (s) {
    case Severity::kCritical: return "9.5";
    case Severity::kHigh: return "8.0";
    case Severity::kMedium: return "5.5";
    case Severity::kLow: return "3.0";
    case Severity::kInfo: return "0.0";
  }
  return "0.0";
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

std::string PercentEncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

}  // namespace

namespace report_internal {

std::string SarifArtifactUri(std::string_view path) {
  std::string p(path);
  std::replace(p.begin(), p.end(), '\\', '/');
  if (p.size() >= 2 && p[1] == ':' &&
      ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z'))) {
    // A Windows drive path: file:///C:/dir/x (the colon is kept literally).
    return "file:///" + p.substr(0, 2) + PercentEncodePath(std::string_view(p).substr(2));
  }
  if (!p.empty() && p[0] == '/') return "file://" + PercentEncodePath(p);
  // Relative paths are what code scanning matches against the repository;
  // "./models/x.pt" and "models/x.pt" must give the same alert.
  std::string_view rel = p;
  while (rel.size() >= 2 && rel.substr(0, 2) == "./") {
    rel.remove_prefix(2);
    while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  }
  return PercentEncodePath(rel);
}

}  // namespace report_internal

namespace {

using report_internal::SarifArtifactUri;

// FNV-1a, 64-bit: stable across runs and platforms, which is all a partial
// fingerprint needs (it is not a security boundary).
class Fnv1a64 {
 public:
  void Add(std::string_view s) {
    for (char c : s) {
      hash_ ^= static_cast<unsigned char>(c);
      hash_ *= 0x100000001b3ULL;
    }
    // A separator so ("ab","c") and ("a","bc") differ.
    hash_ ^= 0xff;
    hash_ *= 0x100000001b3ULL;
  }
  std::string Hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, hash_);
    return buf;
  }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

std::string LowerCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct RuleInfo {
  std::size_t index = 0;
  Severity severity = Severity::kInfo;
  const Finding* example = nullptr;  // first occurrence, for descriptions
};

Json RuleObject(const std::string& id, const RuleInfo& info) {
  Json rule = Json::object();
  rule["id"] = id;
  rule["shortDescription"] = Json{{"text", info.example->title}};
  rule["fullDescription"] =
      Json{{"text", info.example->detail.empty() ? info.example->title : info.example->detail}};
  rule["helpUri"] = std::string(kFindingsDocUri) + "#" + LowerCase(id);
  rule["defaultConfiguration"] = Json{{"level", SarifLevel(info.severity)}};
  Json props = Json::object();
  props["security-severity"] = SecuritySeverity(info.severity);
  props["tags"] = Json::array({"security"});
  rule["properties"] = std::move(props);
  return rule;
}

std::string MessageText(const Finding& f) {
  std::string text = f.title;
  if (!f.member.empty() || f.offset.has_value()) {
    text += " (";
    if (!f.member.empty()) text += "in " + f.member;
    if (f.offset.has_value()) {
      if (!f.member.empty()) text += ", ";
      text += "offset " + std::to_string(*f.offset);
    }
    text += ")";
  }
  if (!f.detail.empty()) text += ". " + f.detail;
  return text;
}

Json ResultObject(const FileReport& file, const Finding& f, const RuleInfo& rule) {
  const std::string uri = SarifArtifactUri(f.path.empty() ? file.path : f.path);

  Json region = Json::object();
  region["startLine"] = 1;
  if (f.member.empty() && f.offset.has_value()) region["byteOffset"] = *f.offset;
  Json physical = Json::object();
  physical["artifactLocation"] = Json{{"uri", uri}};
  physical["region"] = std::move(region);
  Json location = Json::object();
  location["physicalLocation"] = std::move(physical);
  if (!f.member.empty()) {
    const std::size_t bang = f.member.rfind('!');
    const std::string name = bang == std::string::npos ? f.member : f.member.substr(bang + 1);
    location["logicalLocations"] =
        Json::array({Json{{"name", name}, {"fullyQualifiedName", f.member}}});
  }

  Fnv1a64 fp;
  fp.Add(f.id);
  fp.Add(uri);
  fp.Add(f.member);
  fp.Add(f.offset.has_value() ? std::to_string(*f.offset) : std::string());

  Json props = Json::object();
  props["severity"] = std::string(SeverityName(f.severity));
  props["member"] = f.member;
  props["offset"] = f.offset.has_value() ? Json(*f.offset) : Json(nullptr);
  Json evidence = Json::object();
  for (const auto& [key, value] : f.evidence) {
    std::string k = key;
    for (int n = 2; evidence.contains(k); ++n) k = key + "#" + std::to_string(n);
    evidence[k] = value;
  }
  props["evidence"] = std::move(evidence);

  Json result = Json::object();
  result["ruleId"] = f.id;
  result["ruleIndex"] = rule.index;
  result["level"] = SarifLevel(f.severity);
  result["message"] = Json{{"text", MessageText(f)}};
  result["locations"] = Json::array({std::move(location)});
  result["partialFingerprints"] = Json{{kFingerprintKey, fp.Hex()}};
  result["properties"] = std::move(props);
  return result;
}

}  // namespace

std::string RenderSarif(const ScanReport& report, const ReportOptions& options) {
  // Rules first, sorted by id so the rule table (and every ruleIndex) is the
  // same whatever order files were scanned in.
  std::map<std::string, RuleInfo> rules;
  for (const FileReport& file : report.files) {
    for (const Finding& f : file.findings) {
      auto [it, inserted] = rules.try_emplace(f.id);
      if (inserted) it->second.example = &f;
      it->second.severity = std::max(it->second.severity, f.severity);
    }
  }
  Json rule_array = Json::array();
  std::size_t index = 0;
  for (auto& [id, info] : rules) {
    info.index = index++;
    rule_array.push_back(RuleObject(id, info));
  }

  Json results = Json::array();
  for (const FileReport& file : report.files) {
    for (const Finding& f : file.findings) results.push_back(ResultObject(file, f, rules[f.id]));
  }

  Json driver = Json::object();
  driver["name"] = "modelgate";
  driver["informationUri"] = std::string(kProjectUri);
  if (!options.tool_version.empty()) driver["version"] = options.tool_version;
  driver["rules"] = std::move(rule_array);

  Json run = Json::object();
  run["tool"] = Json{{"driver", std::move(driver)}};
  run["invocations"] = Json::array(
      {Json{{"executionSuccessful", true},
            {"properties",
             Json{{"failOn", std::string(SeverityName(options.fail_on))},
                  {"verdict", AnyFails(report, options.fail_on) ? "fail" : "pass"},
                  {"filesScanned", static_cast<std::uint64_t>(report.files.size())},
                  {"elapsedSeconds", std::isfinite(report.seconds) && report.seconds >= 0
                                         ? report.seconds
                                         : 0.0}}}}});
  run["results"] = std::move(results);

  Json doc = Json::object();
  doc["$schema"] = kSarifSchemaUri;
  doc["version"] = "2.1.0";
  doc["runs"] = Json::array({std::move(run)});
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace modelgate
