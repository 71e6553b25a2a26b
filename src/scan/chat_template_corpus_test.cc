// Corpus test for the chat template analysis: every benign template in
// tests/fixtures/jinja-templates/benign (real chat templates of Llama, Mistral,
// Qwen, Gemma, Phi-3, ...) must raise nothing at or above medium; every
// payload in attack/ must raise the finding expected.tsv names.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "modelgate/policy.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

namespace fs = std::filesystem;

fs::path Corpus() { return fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/jinja-templates"; }

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<Finding> Analyze(const std::string& text) {
  Limits limits;
  ScanContext ctx("template", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = AsBytes(text);
  AnalyzeChatTemplate(text, blob, "test", ctx);
  return ctx.TakeFindings();
}

std::string Describe(const std::vector<Finding>& fs) {
  std::string s;
  for (const Finding& f : fs) {
    s += "\n    " + f.id + " " + std::string(SeverityName(f.severity)) + " " + f.title;
    for (const auto& [k, v] : f.evidence) s += " " + k + "=" + v;
  }
  return s.empty() ? " (none)" : s;
}

TEST(ChatTemplateCorpus, BenignTemplatesRaiseNothing) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(Corpus() / "benign")) {
    if (entry.path().extension() != ".jinja") continue;
    ++n;
    std::vector<Finding> found = Analyze(Slurp(entry.path()));
    EXPECT_TRUE(found.empty()) << entry.path().filename() << ":" << Describe(found);
  }
  EXPECT_GE(n, 15);
}

TEST(ChatTemplateCorpus, AttackTemplatesRaiseTheirExpectedFinding) {
  std::ifstream tsv(Corpus() / "attack/expected.tsv");
  ASSERT_TRUE(tsv.good());
  std::string line;
  int n = 0;
  while (std::getline(tsv, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string file, sev_name, prefix;
    std::getline(fields, file, '\t');
    std::getline(fields, sev_name, '\t');
    std::getline(fields, prefix, '\t');
    Severity min;
    ASSERT_TRUE(ParseSeverity(sev_name, &min)) << line;
    ++n;
    std::vector<Finding> found = Analyze(Slurp(Corpus() / "attack" / file));
    bool ok = false;
    for (const Finding& f : found) ok |= f.severity >= min && f.id.rfind(prefix, 0) == 0;
    EXPECT_TRUE(ok) << file << ": expected " << prefix << " at or above " << sev_name << ", got:" << Describe(found);
  }
  EXPECT_GE(n, 30);
}

TEST(ChatTemplateCorpus, EveryAttackFileIsListed) {
  std::string tsv = Slurp(Corpus() / "attack/expected.tsv");
  for (const auto& entry : fs::directory_iterator(Corpus() / "attack")) {
    if (entry.path().extension() != ".jinja") continue;
    EXPECT_NE(tsv.find(entry.path().filename().string() + "\t"), std::string::npos) << entry.path();
  }
}

}  // namespace
}  // namespace modelgate
