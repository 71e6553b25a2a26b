// The --format json writer. The document layout is the contract in
// docs/schema/scan-report-v1.schema.json; change both together, and bump
// kScanReportSchemaVersion only for changes that break existing readers.
//
// ordered_json keeps keys in insertion order, so output is byte-stable for
// diffing and golden tests. dump() is told to replace invalid UTF-8 rather
// than throw: member names and evidence are attacker-chosen bytes.
#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "modelgate/report.h"
#include "report/finding_json.h"

namespace modelgate {
namespace {

Json EvidenceObject(const std::vector<std::pair<std::string, std::string>>& evidence) {
  Json obj = Json::object();
  for (const auto& [key, value] : evidence) {
    // A JSON object cannot repeat a key; keep every value by suffixing
    // repeats ("global", "global#2", ...) instead of silently dropping one.
    std::string k = key;
    for (int n = 2; obj.contains(k); ++n) k = key + "#" + std::to_string(n);
    obj[k] = value;
  }
  return obj;
}

}  // namespace

Json FindingObject(const Finding& f) {
  Json j = Json::object();
  j["id"] = f.id;
  j["severity"] = std::string(SeverityName(f.severity));
  j["title"] = f.title;
  j["path"] = f.path;
  j["member"] = f.member;
  j["offset"] = f.offset.has_value() ? Json(*f.offset) : Json(nullptr);
  j["detail"] = f.detail;
  j["evidence"] = EvidenceObject(f.evidence);
  return j;
}

namespace {

Json SeverityCounts(const std::array<std::uint64_t, 5>& counts) {
  Json j = Json::object();
  for (int s = static_cast<int>(Severity::kCritical); s >= 0; --s) {
    j[std::string(SeverityName(static_cast<Severity>(s)))] = counts[static_cast<std::size_t>(s)];
  }
  return j;
}

}  // namespace

std::string RenderJson(const ScanReport& report, const ReportOptions& options) {
  std::array<std::uint64_t, 5> totals{};
  std::uint64_t files_failed = 0;
  std::uint64_t findings = 0;
  Json files = Json::array();
  for (const FileReport& file : report.files) {
    const bool failed = Fails(file, options.fail_on);
    if (failed) ++files_failed;
    Json list = Json::array();
    for (const Finding& f : file.findings) {
      ++totals[static_cast<std::size_t>(f.severity)];
      ++findings;
      list.push_back(FindingObject(f));
    }
    Json j = Json::object();
    j["path"] = file.path;
    j["format"] = file.format;
    j["size"] = file.size;
    j["max_severity"] =
        file.findings.empty() ? Json(nullptr) : Json(std::string(SeverityName(file.MaxSeverity())));
    j["verdict"] = failed ? "fail" : "pass";
    j["findings"] = std::move(list);
    files.push_back(std::move(j));
  }

  Json doc = Json::object();
  doc["schema"] = std::string(kScanReportSchemaUri);
  doc["schema_version"] = kScanReportSchemaVersion;
  doc["tool"] = Json{{"name", "modelgate"}, {"version", options.tool_version}};
  doc["fail_on"] = std::string(SeverityName(options.fail_on));
  doc["verdict"] = files_failed > 0 ? "fail" : "pass";
  Json summary = Json::object();
  summary["files"] = static_cast<std::uint64_t>(report.files.size());
  summary["files_failed"] = files_failed;
  summary["findings"] = findings;
  summary["by_severity"] = SeverityCounts(totals);
  doc["summary"] = std::move(summary);
  doc["files"] = std::move(files);
  // NaN or infinity would serialise as null and break the schema's "number".
  doc["elapsed_seconds"] =
      std::isfinite(report.seconds) && report.seconds >= 0 ? report.seconds : 0.0;
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace modelgate
