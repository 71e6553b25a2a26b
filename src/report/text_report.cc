// The terminal report: a verdict line per file, its findings most severe
// first, and a closing summary line.
//
//   FAIL  models/evil.pt  (pytorch-zip, 1.2 KiB, max critical)
//     critical  PICKLE-CALL-DENYLISTED  Pickle calls os.system
//               in evil/data.pkl at offset 418 (0x1a2)
//               The pickle invokes os.system when torch.load runs...
//
// Everything that came from the scanned file goes through TerminalSafe();
// colour is only added around text we wrote ourselves.
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "modelgate/report.h"
#include "report/terminal.h"

namespace modelgate {
namespace {

using report_internal::DisplayWidth;
using report_internal::TerminalSafe;
using report_internal::WrapWords;

constexpr std::size_t kLineWidth = 100;
// "  " + severity name padded to 8 + "  ": where ids, titles and details start.
constexpr std::size_t kIndent = 12;

constexpr const char* kReset = "\x1b[0m";

const char* SeverityColor(Severity s) {
  switch (s) {
    case Severity::kCritical: return "\x1b[1;35m";  // bold magenta
    case Severity::kHigh: return "\x1b[1;31m";      // bold red
    case Severity::kMedium: return "\x1b[33m";      // yellow
    case Severity::kLow: return "\x1b[36m";         // cyan
    case Severity::kInfo: return "\x1b[2m";         // dim
  }
  return "";
}

enum class Verdict { kPass, kNote, kWarn, kFail };

Verdict VerdictOf(const FileReport& file, Severity fail_on) {
  if (Fails(file, fail_on)) return Verdict::kFail;
  if (file.findings.empty()) return Verdict::kPass;
  return file.MaxSeverity() == Severity::kInfo ? Verdict::kNote : Verdict::kWarn;
}

const char* VerdictLabel(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "PASS";
    case Verdict::kNote: return "NOTE";
    case Verdict::kWarn: return "WARN";
    case Verdict::kFail: return "FAIL";
  }
  return "";
}

const char* VerdictColor(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "\x1b[1;32m";
    case Verdict::kNote: return "\x1b[1;36m";
    case Verdict::kWarn: return "\x1b[1;33m";
    case Verdict::kFail: return "\x1b[1;31m";
  }
  return "";
}

class TextWriter {
 public:
  explicit TextWriter(bool color) : color_(color) {}

  // Appends `text` wrapped in `sgr` ... reset when colour is on.
  void Colored(const char* sgr, std::string_view text) {
    if (color_) out_.append(sgr);
    out_.append(text);
    if (color_) out_.append(kReset);
  }
  void Append(std::string_view text) { out_.append(text); }
  std::string Take() { return std::move(out_); }

 private:
  bool color_;
  std::string out_;
};

std::string HumanSize(std::uint64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%" PRIu64 " B", bytes);
    return buf;
  }
  static constexpr std::array<const char*, 5> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::string PaddedSeverity(Severity s) {
  std::string name(SeverityName(s));
  name.resize(8, ' ');
  return name;
}

// Details are one paragraph, but producers may embed newlines or tabs (or a
// hostile string may); fold them to spaces before making the rest visible.
std::string FoldWhitespace(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

void WriteFinding(const Finding& f, TextWriter* w) {
  const std::string indent(kIndent, ' ');
  w->Append("  ");
  w->Colored(SeverityColor(f.severity), PaddedSeverity(f.severity));
  w->Append("  ");
  const std::string id = TerminalSafe(f.id);
  const std::string title = TerminalSafe(FoldWhitespace(f.title));
  w->Colored("\x1b[1m", id);
  if (kIndent + DisplayWidth(id) + 2 + DisplayWidth(title) <= kLineWidth) {
    w->Append("  ");
    w->Append(title);
    w->Append("\n");
  } else {
    w->Append("\n");
    for (const std::string& line : WrapWords(title, kLineWidth - kIndent)) {
      w->Append(indent);
      w->Append(line);
      w->Append("\n");
    }
  }

  if (!f.member.empty() || f.offset.has_value()) {
    std::string where;
    if (!f.member.empty()) where = "in " + TerminalSafe(f.member);
    if (f.offset.has_value()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%" PRIu64 " (0x%" PRIx64 ")", *f.offset, *f.offset);
      where += where.empty() ? "at offset " : " at offset ";
      where += buf;
    }
    w->Append(indent);
    w->Colored("\x1b[2m", where);
    w->Append("\n");
  }

  for (const std::string& line : WrapWords(TerminalSafe(FoldWhitespace(f.detail)),
                                           kLineWidth - kIndent)) {
    w->Append(indent);
    w->Append(line);
    w->Append("\n");
  }
}

void WriteFile(const FileReport& file, const ReportOptions& options, TextWriter* w) {
  const Verdict verdict = VerdictOf(file, options.fail_on);
  w->Colored(VerdictColor(verdict), VerdictLabel(verdict));
  w->Append("  ");
  w->Append(TerminalSafe(file.path));
  w->Append("  (");
  w->Append(file.format.empty() ? std::string("unknown") : TerminalSafe(file.format));
  w->Append(", ");
  w->Append(HumanSize(file.size));
  if (!file.findings.empty()) {
    w->Append(", max ");
    w->Colored(SeverityColor(file.MaxSeverity()), SeverityName(file.MaxSeverity()));
  }
  w->Append(")\n");

  // Sort by severity ourselves (stable, so the scanner's order within a
  // severity is kept): the grouping is this writer's promise to the reader.
  std::vector<const Finding*> shown;
  std::size_t hidden_info = 0;
  for (const Finding& f : file.findings) {
    if (f.severity == Severity::kInfo && !options.show_info) {
      ++hidden_info;
    } else {
      shown.push_back(&f);
    }
  }
  std::stable_sort(shown.begin(), shown.end(), [](const Finding* a, const Finding* b) {
    return a->severity > b->severity;
  });
  for (const Finding* f : shown) WriteFinding(*f, w);
  if (hidden_info > 0) {
    w->Append(std::string(kIndent, ' '));
    w->Colored("\x1b[2m", "(" + std::to_string(hidden_info) +
                              (hidden_info == 1 ? " info finding" : " info findings") +
                              " not shown)");
    w->Append("\n");
  }
  if (!file.findings.empty()) w->Append("\n");
}

}  // namespace

std::string RenderText(const ScanReport& report, const ReportOptions& options) {
  TextWriter w(options.color);
  std::array<std::size_t, 5> counts{};
  std::size_t failed = 0;
  for (const FileReport& file : report.files) {
    WriteFile(file, options, &w);
    for (const Finding& f : file.findings) ++counts[static_cast<std::size_t>(f.severity)];
    if (Fails(file, options.fail_on)) ++failed;
  }

  // e.g. "3 files scanned, 1 failed (fail-on high): 1 critical, 2 high, 0 medium,
  //       0 low, 4 info. FAIL in 0.42s"
  const std::size_t n = report.files.size();
  w.Append(std::to_string(n) + (n == 1 ? " file" : " files") + " scanned, " +
           std::to_string(failed) + " failed (fail-on " +
           std::string(SeverityName(options.fail_on)) + "): ");
  for (int s = static_cast<int>(Severity::kCritical); s >= 0; --s) {
    const auto sev = static_cast<Severity>(s);
    const std::string text =
        std::to_string(counts[static_cast<std::size_t>(s)]) + " " + std::string(SeverityName(sev));
    if (counts[static_cast<std::size_t>(s)] > 0) {
      w.Colored(SeverityColor(sev), text);
    } else {
      w.Append(text);
    }
    w.Append(s > 0 ? ", " : ". ");
  }
  const Verdict overall = failed > 0 ? Verdict::kFail : Verdict::kPass;
  w.Colored(VerdictColor(overall), VerdictLabel(overall));
  char elapsed[48];
  std::snprintf(elapsed, sizeof elapsed, " in %.2fs\n", report.seconds);
  w.Append(elapsed);
  return w.Take();
}

}  // namespace modelgate
