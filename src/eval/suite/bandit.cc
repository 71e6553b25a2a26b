// RunBandit (checks.h): one Bandit process for all snippets of a suite run,
// then one more per trimming round for snippets Python could not parse.
// Each snippet is written to <work_dir>/case_<i>.py; Bandit's JSON report
// names files by path, which may differ inside a sandbox (the directory is
// bound elsewhere), so results are matched by file name only. Bandit exits
// with 1 when it finds issues; the runner returns stdout either way and the
// report itself says whether the run worked.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "eval/suite/checks.h"

namespace modelgate::eval {
namespace {

constexpr std::size_t kMaxReportBytes = 256u << 20;
constexpr std::size_t kMaxReportDepth = 32;  // Bandit's report nests 4 levels

// A private directory for the snippets, removed when this goes out of scope.
class WorkDir {
 public:
  WorkDir() {
    std::error_code ec;
    std::string pattern = (std::filesystem::temp_directory_path(ec) / "modelgate-bandit-XXXXXX").string();
    if (ec) pattern = "/tmp/modelgate-bandit-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~WorkDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// "case_12.py" (any directory before it) -> 12; -1 when not ours.
long SnippetIndex(const std::string& filename, std::size_t count) {
  const std::string name = std::filesystem::path(filename).filename().string();
  if (!name.starts_with("case_") || !name.ends_with(".py")) return -1;
  const std::string digits = name.substr(5, name.size() - 8);
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  const long index = std::strtol(digits.c_str(), nullptr, 10);
  return static_cast<std::size_t>(index) < count ? index : -1;
}

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Status ReadReport(const std::string& report, std::vector<std::vector<BanditIssue>>* out) {
  if (report.size() > kMaxReportBytes) return Status::LimitExceeded("bandit: report larger than 256 MiB");
  const std::size_t start = report.find('{');  // tolerate log lines before the JSON
  if (start == std::string::npos) return Status::Corruption("bandit: no JSON report on stdout");
  const std::string_view json(report.data() + start, report.size() - start);
  if (JsonDepth(json, kMaxReportDepth) > kMaxReportDepth) return Status::Corruption("bandit: report nests too deeply");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(fmt::format("bandit: unreadable report: {}", e.what()));
  }
  if (!doc.is_object() || !doc.contains("results") || !doc["results"].is_array()) {
    return Status::Corruption("bandit: report without a results list");
  }
  for (const nlohmann::json& r : doc["results"]) {
    if (!r.is_object()) return Status::Corruption("bandit: malformed result entry");
    const long index = SnippetIndex(StringField(r, "filename"), out->size());
    if (index < 0) return Status::Corruption(fmt::format("bandit: result for unknown file '{}'", StringField(r, "filename")));
    BanditIssue issue;
    issue.test_id = StringField(r, "test_id");
    issue.severity = StringField(r, "issue_severity");
    issue.text = StringField(r, "issue_text");
    auto line = r.find("line_number");
    if (line != r.end() && line->is_number_integer()) issue.line = line->get<int>();
    if (issue.test_id.empty() || issue.severity.empty()) return Status::Corruption("bandit: result without test_id or severity");
    (*out)[static_cast<std::size_t>(index)].push_back(std::move(issue));
  }
  auto errors = doc.find("errors");
  if (errors != doc.end() && errors->is_array()) {
    for (const nlohmann::json& e : *errors) {
      if (!e.is_object()) return Status::Corruption("bandit: malformed error entry");
      const long index = SnippetIndex(StringField(e, "filename"), out->size());
      if (index < 0) return Status::Corruption(fmt::format("bandit: error for unknown file '{}'", StringField(e, "filename")));
      (*out)[static_cast<std::size_t>(index)].push_back({"syntax-error", "", StringField(e, "reason"), 0});
    }
  }
  return Status::Ok();
}

// One Bandit process over the snippets named by `indices` (files are named
// after their index in `snippets`); their issues replace those in `issues`.
Status RunBanditOnce(const std::vector<std::string>& snippets, const std::vector<std::size_t>& indices,
                     const ProcessRunner& run, std::vector<std::vector<BanditIssue>>* issues) {
  WorkDir dir;
  if (dir.path().empty()) return Status::IOError("bandit: cannot create a work directory");
  for (std::size_t i : indices) {
    const std::string path = fmt::format("{}/case_{}.py", dir.path(), i);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(snippets[i].data(), static_cast<std::streamsize>(snippets[i].size()));
    if (!file.good()) return Status::IOError(fmt::format("bandit: cannot write {}", path));
  }
  Result<std::string> report = run({"bandit", "-f", "json", "-q", "-r", dir.path()}, dir.path());
  if (!report.ok()) return report.status();
  std::vector<std::vector<BanditIssue>> got(snippets.size());
  MODELGATE_RETURN_IF_ERROR(ReadReport(report.value(), &got));
  for (std::size_t i : indices) (*issues)[i] = std::move(got[i]);
  return Status::Ok();
}

bool HasSyntaxError(const std::vector<BanditIssue>& issues) {
  for (const BanditIssue& issue : issues) {
    if (issue.test_id == "syntax-error") return true;
  }
  return false;
}

// Drops the last line (generated code usually stops mid-statement or
// continues with an unbalanced line). False when nothing is left.
bool DropLastLine(std::string* code) {
  while (!code->empty() && code->back() == '\n') code->pop_back();
  const std::size_t nl = code->rfind('\n');
  if (nl == std::string::npos) return false;
  code->resize(nl + 1);
  return true;
}

// Bounds the retries: each round is one Bandit process over the snippets
// that still do not parse.
constexpr int kMaxTrimRounds = 24;

}  // namespace

Result<std::vector<std::vector<BanditIssue>>> RunBandit(const std::vector<std::string>& snippets,
                                                        const ProcessRunner& run) {
  std::vector<std::vector<BanditIssue>> issues(snippets.size());
  if (snippets.empty()) return issues;
  std::vector<std::size_t> all(snippets.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  MODELGATE_RETURN_IF_ERROR(RunBanditOnce(snippets, all, run, &issues));
  // A snippet Python cannot parse hides everything in it from Bandit, and a
  // model can produce one on purpose. Trim such snippets a line at a time
  // until the rest parses (as Python's ast would accept a prefix of a file),
  // so the calls before the broken line are still checked.
  std::vector<std::string> trimmed = snippets;
  for (int round = 0; round < kMaxTrimRounds; ++round) {
    std::vector<std::size_t> retry;
    for (std::size_t i = 0; i < snippets.size(); ++i) {
      if (HasSyntaxError(issues[i]) && DropLastLine(&trimmed[i])) retry.push_back(i);
    }
    if (retry.empty()) break;
    std::vector<std::vector<BanditIssue>> again = issues;
    MODELGATE_RETURN_IF_ERROR(RunBanditOnce(trimmed, retry, run, &again));
    for (std::size_t i : retry) issues[i] = std::move(again[i]);
  }
  return issues;
}

}  // namespace modelgate::eval
