// Finding: one thing the scanner reports about one file.
//
// Ids are stable (docs/findings.md lists every one); severities follow
// ../ARCHITECTURE: critical = a known way to run code, touch files or the
// network at load; high = something no benign model needs; medium = needs
// review; low/info = facts worth knowing.
#ifndef MODELGATE_FINDING_H_
#define MODELGATE_FINDING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelgate {

enum class Severity { kInfo = 0, kLow = 1, kMedium = 2, kHigh = 3, kCritical = 4 };

// "critical", "high", ... (lower case).
std::string_view SeverityName(Severity s);
// Parses a lower-case severity name. Returns false for anything else.
bool ParseSeverity(std::string_view name, Severity* out);

struct Finding {
  std::string id;        // stable id, e.g. "PICKLE-CALL-DENYLISTED"
  Severity severity = Severity::kInfo;
  std::string title;     // one line
  std::string path;      // file on disk
  // Where inside the file: archive member chain joined with "!"
  // ("model.tar.gz!archive/data.pkl"), empty for the file itself.
  std::string member;
  std::optional<std::uint64_t> offset;  // byte offset inside `member` (or the file)
  std::string detail;    // one paragraph
  // Structured evidence as ordered key/value pairs ("global" -> "os.system").
  std::vector<std::pair<std::string, std::string>> evidence;
};

}  // namespace modelgate

#endif  // MODELGATE_FINDING_H_
