// FileReport::MaxSeverity and the pass/fail rule shared by every writer and
// by the CLI's exit code, so the three output formats can never disagree
// about a verdict.
#include <algorithm>

#include "modelgate/report.h"
#include "modelgate/scan.h"

namespace modelgate {

Severity FileReport::MaxSeverity() const {
  Severity max = Severity::kInfo;
  // Findings are documented as sorted, but the verdict must not depend on a
  // producer keeping that promise.
  for (const Finding& f : findings) max = std::max(max, f.severity);
  return max;
}

bool Fails(const FileReport& file, Severity fail_on) {
  // The explicit emptiness check matters for --fail-on info: a clean file's
  // MaxSeverity() is kInfo, yet it has nothing to fail on.
  return !file.findings.empty() && file.MaxSeverity() >= fail_on;
}

bool AnyFails(const ScanReport& report, Severity fail_on) {
  return std::any_of(report.files.begin(), report.files.end(),
                     [fail_on](const FileReport& f) { return Fails(f, fail_on); });
}

}  // namespace modelgate
