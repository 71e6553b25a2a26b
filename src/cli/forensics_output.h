// Output shared by the weight-forensics commands (`diff`, `inspect`): the
// same --format / --fail-on / --show-info / -o options as `scan`, and one
// writer that renders a command's tables and findings as text, JSON or SARIF
// and returns the exit code (docs/forensics/diff.md, docs/forensics/inspect.md).
#ifndef MODELGATE_CLI_FORENSICS_OUTPUT_H_
#define MODELGATE_CLI_FORENSICS_OUTPUT_H_

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "modelgate/finding.h"
#include "report/finding_json.h"

namespace modelgate::cli {

struct ForensicsOutputOptions {
  std::string format = "text";  // text | json | sarif
  std::string fail_on = "high";
  bool show_info = false;
  std::string output;           // file, or empty for stdout
};

// Registers --format, --fail-on, --show-info and -o/--output on `cmd`.
void AddForensicsOutputOptions(CLI::App* cmd, ForensicsOutputOptions* options);

// Writes the report and returns the process exit code: 0 when no finding is
// at or above --fail-on, 1 when one is, 2 when the report cannot be written.
//   text:  `text_tables` (the command's own tables), then the findings for
//          `subject` as `scan` prints them;
//   json:  {"schema", "schema_version", "tool", <every key of `body` in
//          order>, "findings": [...], "summary": {...}}; findings use the
//          scan report's finding object;
//   sarif: one SARIF 2.1.0 run whose results are the findings.
// `command` is "diff" or "inspect" (it names the JSON schema).
int WriteForensicsReport(std::string_view command, const std::string& subject, std::vector<Finding> findings,
                         const Json& body, const std::string& text_tables, const ForensicsOutputOptions& options);

}  // namespace modelgate::cli

#endif  // MODELGATE_CLI_FORENSICS_OUTPUT_H_
