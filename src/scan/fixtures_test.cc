// Corpus tests: the benign fixtures (made by the real libraries) must stay
// below `high`; every attack fixture must yield the finding expected.tsv
// names; resource bombs must scan in bounded time and memory; the demo folder
// must be judged as its README says.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "modelgate/scan.h"

namespace modelgate {
namespace {

namespace fs = std::filesystem;

fs::path Fixtures() { return fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures"; }

std::string Describe(const FileReport& r) {
  std::string s;
  for (const Finding& f : r.findings) {
    s += "\n    " + f.id + " " + std::string(SeverityName(f.severity)) + " [" + f.member + "] " + f.title;
  }
  return s.empty() ? " (no findings)" : s;
}

ScanOptions Options() {
  ScanOptions o;
  o.jobs = 2;
  return o;
}

FileReport ScanFile(const fs::path& p) {
  auto r = ScanPaths({p.string()}, Options());
  EXPECT_TRUE(r.ok()) << p;
  if (!r.ok() || r.value().files.size() != 1) return FileReport{};
  return r.value().files[0];
}

TEST(Fixtures, BenignFilesHaveNothingAtOrAboveHigh) {
  fs::path dir = Fixtures() / "benign";
  auto result = ScanPaths({dir.string()}, Options());
  ASSERT_TRUE(result.ok());
  int scanned = 0;
  for (const FileReport& file : result.value().files) {
    if (fs::path(file.path).filename() == "README.md") continue;
    ++scanned;
    std::string bad;
    for (const Finding& f : file.findings) {
      if (f.severity >= Severity::kHigh) {
        bad += "\n    " + f.id + " " + std::string(SeverityName(f.severity)) + " [" + f.member + "] " + f.title;
      }
    }
    EXPECT_TRUE(bad.empty()) << file.path << ":" << bad;
  }
  EXPECT_GE(scanned, 80);
}

struct Expectation {
  std::string file;
  Severity min = Severity::kInfo;
  std::string prefix;
};

std::vector<Expectation> ReadExpected(const fs::path& tsv = Fixtures() / "attack/expected.tsv") {
  std::ifstream in(tsv);
  EXPECT_TRUE(in.good());
  std::vector<Expectation> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Expectation e;
    std::string sev;
    std::getline(fields, e.file, '\t');
    std::getline(fields, sev, '\t');
    std::getline(fields, e.prefix, '\t');
    EXPECT_TRUE(ParseSeverity(sev, &e.min)) << "bad severity in expected.tsv: " << line;
    EXPECT_FALSE(e.prefix.empty()) << line;
    out.push_back(e);
  }
  return out;
}

TEST(Fixtures, EveryAttackFileYieldsItsExpectedFinding) {
  std::vector<Expectation> expected = ReadExpected();
  ASSERT_GE(expected.size(), 150u);
  std::vector<std::string> paths;
  for (const Expectation& e : expected) paths.push_back((Fixtures() / "attack" / e.file).string());
  auto result = ScanPaths(paths, Options());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result.value().files.size(), expected.size());
  std::map<std::string, const FileReport*> by_path;
  for (const FileReport& f : result.value().files) by_path[f.path] = &f;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const Expectation& e = expected[k];
    auto it = by_path.find(paths[k]);
    ASSERT_NE(it, by_path.end()) << paths[k];
    const FileReport& r = *it->second;
    bool ok = false;
    for (const Finding& f : r.findings) {
      if (f.severity >= e.min && f.id.compare(0, e.prefix.size(), e.prefix) == 0) ok = true;
    }
    EXPECT_TRUE(ok) << e.file << ": expected a " << e.prefix << "* finding at or above " << SeverityName(e.min)
                    << ", got:" << Describe(r);
  }
}

TEST(Fixtures, EveryAttackFileIsListedInExpectedTsv) {
  std::vector<Expectation> expected = ReadExpected();
  std::map<std::string, int> listed;
  for (const Expectation& e : expected) ++listed[e.file];
  for (const auto& entry : fs::directory_iterator(Fixtures() / "attack")) {
    std::string name = entry.path().filename().string();
    if (name == "README.md" || name == "expected.tsv" || !entry.is_regular_file()) continue;
    if (name.rfind("resource_", 0) == 0) continue;  // bombs: only required to finish
    EXPECT_EQ(listed[name], 1) << name << " is missing from (or repeated in) expected.tsv";
  }
}

long MaxRssKiB() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

TEST(Fixtures, ResourceBombsScanInBoundedTimeAndMemory) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(Fixtures() / "attack")) {
    std::string name = entry.path().filename().string();
    if (name.rfind("resource_", 0) != 0) continue;
    ++n;
    SCOPED_TRACE(name);
    long rss_before = MaxRssKiB();
    auto start = std::chrono::steady_clock::now();
    FileReport r = ScanFile(entry.path());
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.path, entry.path().string());
    EXPECT_LT(secs, 30.0);
    // Peak RSS may not grow by more than 1 GiB for a small input file.
    EXPECT_LT(MaxRssKiB() - rss_before, 1L << 20) << "KiB";
    EXPECT_GT(r.size, 0u);
  }
  EXPECT_GE(n, 5);
}

// Per-format corpora: tests/fixtures/formats/<format>/{benign,attack}, each
// written by scripts/fixtures/<format>.py. Attack folders are scanned as
// folders, so repository-level checks run on them as on a real repository.
std::vector<fs::path> FormatCorpora() {
  std::vector<fs::path> out;
  fs::path root = Fixtures() / "formats";
  if (!fs::exists(root)) return out;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FormatFixtures, EveryFormatHasACorpus) {
  std::vector<std::string> names;
  for (const fs::path& corpus : FormatCorpora()) names.push_back(corpus.filename().string());
  for (const char* want : {"gguf", "keras", "onnx", "repository", "safetensors", "tensorflow"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

TEST(FormatFixtures, BenignFilesHaveNothingAtOrAboveHigh) {
  for (const fs::path& corpus : FormatCorpora()) {
    fs::path dir = corpus / "benign";
    if (!fs::exists(dir)) continue;
    SCOPED_TRACE(dir.string());
    auto result = ScanPaths({dir.string()}, Options());
    ASSERT_TRUE(result.ok());
    int scanned = 0;
    for (const FileReport& file : result.value().files) {
      if (fs::path(file.path).lexically_relative(dir) == "README.md") continue;
      ++scanned;
      for (const Finding& f : file.findings) {
        EXPECT_LT(f.severity, Severity::kHigh) << file.path << ": " << f.id << " " << SeverityName(f.severity)
                                               << " [" << f.member << "] " << f.title << " " << f.detail;
      }
    }
    EXPECT_GE(scanned, 1);
  }
}

TEST(FormatFixtures, EveryAttackFileYieldsItsExpectedFinding) {
  for (const fs::path& corpus : FormatCorpora()) {
    fs::path dir = corpus / "attack";
    if (!fs::exists(dir)) continue;
    SCOPED_TRACE(dir.string());
    std::vector<Expectation> expected = ReadExpected(dir / "expected.tsv");
    ASSERT_GE(expected.size(), 1u);
    auto result = ScanPaths({dir.string()}, Options());
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    std::map<std::string, const FileReport*> by_path;
    for (const FileReport& f : result.value().files) by_path[f.path] = &f;
    std::map<std::string, int> listed;
    for (const Expectation& e : expected) {
      ++listed[e.file];
      auto it = by_path.find((dir / e.file).string());
      ASSERT_NE(it, by_path.end()) << e.file << " is listed in expected.tsv but does not exist";
      const FileReport& r = *it->second;
      bool ok = false;
      for (const Finding& f : r.findings) {
        if (f.severity >= e.min && f.id.compare(0, e.prefix.size(), e.prefix) == 0) ok = true;
      }
      EXPECT_TRUE(ok) << e.file << ": expected a " << e.prefix << "* finding at or above " << SeverityName(e.min)
                      << ", got:" << Describe(r);
    }
    // Every attack file is listed (bombs named resource_* and READMEs aside).
    for (const FileReport& f : result.value().files) {
      std::string rel = fs::path(f.path).lexically_relative(dir).string();
      std::string name = fs::path(f.path).filename().string();
      // expected*.tsv: expected.tsv and expectations that wait on another analyzer (expected-after-*.tsv).
      bool expectations = rel.rfind("expected", 0) == 0 && fs::path(rel).extension() == ".tsv";
      if (expectations || rel == "README.md" || name.rfind("resource_", 0) == 0) continue;
      if (listed.count(rel) == 0) {
        // Files inside an attack repository folder need not each be listed,
        // as long as the folder has a listed file.
        std::string top = rel.substr(0, rel.find('/'));
        bool folder_listed = false;
        for (const auto& [file, n] : listed) folder_listed |= file.rfind(top + "/", 0) == 0;
        EXPECT_TRUE(folder_listed) << rel << " is not listed in " << (dir / "expected.tsv");
      }
    }
  }
}

TEST(FormatFixtures, ResourceBombsScanInBoundedTimeAndMemory) {
  for (const fs::path& corpus : FormatCorpora()) {
    fs::path dir = corpus / "attack";
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("resource_", 0) != 0) continue;
      SCOPED_TRACE(entry.path().string());
      long rss_before = MaxRssKiB();
      auto start = std::chrono::steady_clock::now();
      FileReport r = ScanFile(entry.path());
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      EXPECT_LT(secs, 30.0);
      EXPECT_LT(MaxRssKiB() - rss_before, 1L << 20) << "KiB";
      EXPECT_FALSE(r.findings.empty()) << "a bomb must leave a finding";
    }
  }
}

TEST(Fixtures, DemoFolderIsJudgedAsItsReadmeSays) {
  fs::path dir = fs::path(MODELGATE_SOURCE_DIR) / "examples/demo";
  std::ifstream in(dir / "README.md");
  ASSERT_TRUE(in.good());
  std::map<std::string, bool> malicious;  // file -> README says malicious
  std::string line;
  while (std::getline(in, line)) {
    // | `file` | kind | ...
    if (line.rfind("| `", 0) != 0) continue;
    std::size_t end = line.find('`', 3);
    std::string file = line.substr(3, end - 3);
    std::size_t kind_at = line.find('|', end);
    std::size_t kind_end = line.find('|', kind_at + 1);
    std::string kind = line.substr(kind_at + 1, kind_end - kind_at - 1);
    if (kind.find("malicious") != std::string::npos) {
      malicious[file] = true;
    } else if (kind.find("benign") != std::string::npos) {
      malicious[file] = false;
    }
  }
  ASSERT_GE(malicious.size(), 6u);
  for (const auto& [file, bad] : malicious) {
    FileReport r = ScanFile(dir / file);
    if (bad) {
      EXPECT_GE(r.MaxSeverity(), Severity::kHigh) << file << " is malicious but got:" << Describe(r);
    } else {
      EXPECT_LT(r.MaxSeverity(), Severity::kHigh) << file << " is benign but got:" << Describe(r);
    }
  }
}

}  // namespace
}  // namespace modelgate
