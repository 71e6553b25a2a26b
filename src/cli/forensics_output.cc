#include "cli/forensics_output.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/provenance_cli_util.h"
#include "modelgate/report.h"
#include "modelgate/scan.h"

namespace modelgate::cli {

void AddForensicsOutputOptions(CLI::App* cmd, ForensicsOutputOptions* options) {
  cmd->add_option("-f,--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  cmd->add_option("--fail-on", options->fail_on, "Lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info"}))
      ->capture_default_str();
  cmd->add_flag("--show-info", options->show_info, "List info-level findings in the text report");
  cmd->add_option("-o,--output", options->output, "Write the report to this file instead of stdout");
}

int WriteForensicsReport(std::string_view command, const std::string& subject, std::vector<Finding> findings,
                         const Json& body, const std::string& text_tables, const ForensicsOutputOptions& options) {
  Severity fail_on = Severity::kHigh;
  if (!ParseSeverity(options.fail_on, &fail_on)) {
    std::cerr << "modelgate " << command << ": --fail-on must be one of critical, high, medium, low, info\n";
    return kExitUsage;
  }
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  ScanReport report;
  FileReport file;
  file.path = subject;
  file.format = std::string(command);
  file.findings = std::move(findings);
  report.files.push_back(std::move(file));
  const FileReport& only = report.files.front();

  ReportOptions ropts;
  ropts.fail_on = fail_on;
  ropts.show_info = options.show_info;
  ropts.tool_version = MODELGATE_VERSION;
  ropts.color = options.output.empty() && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;

  std::string out;
  if (options.format == "json") {
    Json doc = Json::object();
    doc["schema"] = "https://modelgate.dev/schemas/" + std::string(command) + "-report/v1.json";
    doc["schema_version"] = 1;
    doc["tool"] = {{"name", "modelgate"}, {"version", MODELGATE_VERSION}};
    for (const auto& [key, value] : body.items()) doc[key] = value;
    Json list = Json::array();
    std::array<std::uint64_t, 5> counts{};
    for (const Finding& f : only.findings) {
      list.push_back(FindingObject(f));
      ++counts[static_cast<int>(f.severity)];
    }
    doc["findings"] = std::move(list);
    Json by_severity = Json::object();
    for (int s = 4; s >= 0; --s) by_severity[std::string(SeverityName(static_cast<Severity>(s)))] = counts[s];
    doc["summary"] = {{"findings", by_severity},
                      {"max_severity", only.findings.empty() ? Json(nullptr)
                                                             : Json(std::string(SeverityName(only.MaxSeverity())))},
                      {"fails", Fails(only, fail_on)}};
    out = doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  } else if (options.format == "sarif") {
    out = RenderSarif(report, ropts);
  } else {
    out = text_tables + RenderText(report, ropts);
  }
  if (options.output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    std::string error;
    if (!WriteFileAtomically(options.output, out, &error)) {
      std::cerr << "modelgate " << command << ": " << error << "\n";
      return kExitUsage;
    }
  }
  return Fails(only, fail_on) ? kExitFindings : kExitClean;
}

}  // namespace modelgate::cli
