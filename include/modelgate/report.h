// Report writers: turn a ScanReport into text for people, JSON for programs
// and SARIF 2.1.0 for code-scanning services (GitHub, Azure DevOps).
//
// All three are pure functions of their inputs: they do no I/O, keep no
// state and are safe to call from any thread on reports nobody is mutating.
// They never throw. Paths, titles and evidence come from hostile files and
// may hold any bytes; every writer neutralises them for its medium:
//   - text: control bytes (ESC, CR, BEL...) and invalid UTF-8 are shown as
//     \xNN, so a file name cannot move the cursor or fake a verdict line;
//   - JSON and SARIF: invalid UTF-8 sequences become U+FFFD; control bytes
//     are escaped by the JSON encoder; SARIF artifact URIs are percent-encoded.
// docs/output.md describes the three formats and the exit codes.
#ifndef MODELGATE_REPORT_H_
#define MODELGATE_REPORT_H_

#include <string>
#include <string_view>

#include "modelgate/finding.h"
#include "modelgate/scan.h"

namespace modelgate {

struct ReportOptions {
  // Emit ANSI colour escapes (text only). The CLI sets this only when stdout
  // is a terminal and NO_COLOR is unset.
  bool color = false;
  // A file whose most severe finding is at or above this fails.
  Severity fail_on = Severity::kHigh;
  // List info-level findings in the text report (they are always counted in
  // the summary, and always present in JSON and SARIF).
  bool show_info = false;
  // Reported as tool.version (JSON) and tool.driver.version (SARIF).
  std::string tool_version;
};

// Identifies the JSON document format; bumped only on incompatible changes
// (docs/output.md, "Versioning").
inline constexpr std::string_view kScanReportSchemaUri =
    "https://modelgate.dev/schemas/scan-report/v1.json";
inline constexpr int kScanReportSchemaVersion = 1;
// Base for SARIF helpUri: helpUri = kFindingsDocUri + "#" + lower-case id.
inline constexpr std::string_view kFindingsDocUri = "https://modelgate.dev/docs/findings.md";
inline constexpr std::string_view kProjectUri = "https://modelgate.dev";

// True when `file` has at least one finding at or above `fail_on`.
// A file without findings never fails, whatever the threshold.
bool Fails(const FileReport& file, Severity fail_on);

// True when any file in `report` Fails(). The CLI exits 1 exactly then.
bool AnyFails(const ScanReport& report, Severity fail_on);

// Human-readable report for a terminal, at most ~100 columns wide (long
// details are word-wrapped; very long unbroken tokens such as paths are not
// cut). One verdict line per file, then its findings most severe first, then
// one summary line. Ends with a newline. Never fails.
std::string RenderText(const ScanReport& report, const ReportOptions& options);

// The JSON document described by docs/schema/scan-report-v1.schema.json:
// pretty-printed (2-space indent), keys in a fixed order, ends with a
// newline. Never fails; invalid UTF-8 is replaced with U+FFFD.
std::string RenderJson(const ScanReport& report, const ReportOptions& options);

// A SARIF 2.1.0 log with one run. Files without findings produce no results.
// Pretty-printed, ends with a newline. Never fails.
std::string RenderSarif(const ScanReport& report, const ReportOptions& options);

}  // namespace modelgate

#endif  // MODELGATE_REPORT_H_
