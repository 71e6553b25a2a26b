// Fuzzes the three report writers with attacker-chosen strings: every
// writer must return without throwing, JSON and SARIF must parse back as
// JSON (i.e. be valid UTF-8), and the text report must hold no raw ESC.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "modelgate/report.h"

namespace {

// Splits the input at 0x00 bytes into the strings a finding carries.
class FieldSource {
 public:
  FieldSource(const uint8_t* data, size_t size)
      : data_(reinterpret_cast<const char*>(data)), size_(size) {}
  std::string Next() {
    size_t start = pos_;
    while (pos_ < size_ && data_[pos_] != '\0') ++pos_;
    std::string s(data_ + start, pos_ - start);
    if (pos_ < size_) ++pos_;
    return s;
  }
  bool Done() const { return pos_ >= size_; }

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  FieldSource src(data, size);
  ScanReport report;
  FileReport file;
  file.path = src.Next();
  file.format = src.Next();
  file.size = size;
  for (int i = 0; i < 8 && !src.Done(); ++i) {
    Finding f;
    f.id = src.Next();
    const std::string sev = src.Next();
    f.severity = static_cast<Severity>((sev.empty() ? 0 : static_cast<uint8_t>(sev[0])) % 5);
    f.title = src.Next();
    f.path = file.path;
    f.member = src.Next();
    if (f.member.size() % 2 == 1) f.offset = f.member.size() * 977u;
    f.detail = src.Next();
    f.evidence.emplace_back(src.Next(), src.Next());
    file.findings.push_back(std::move(f));
  }
  report.files.push_back(std::move(file));
  ReportOptions options;
  options.show_info = size % 2 == 0;

  const std::string text = RenderText(report, options);
  if (text.find('\x1b') != std::string::npos) std::abort();
  if (!nlohmann::json::accept(RenderJson(report, options))) std::abort();
  if (!nlohmann::json::accept(RenderSarif(report, options))) std::abort();
  return 0;
}
