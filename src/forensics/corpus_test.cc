// The committed tiny evaluation corpus (scripts/make-forensics-corpus --size
// tiny): every variant must be classified as its labels.tsv row says, no
// benign variant may raise a finding at high or above, and the format copies
// of the base must compare as identical or re-encoded.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "forensics/diff.h"

namespace modelgate::forensics {
namespace {

const std::string kCorpus = std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/forensics/corpus";

struct Label {
  std::string variant, base, diff_class;
};

std::vector<Label> ReadLabels() {
  std::ifstream in(kCorpus + "/labels.tsv");
  std::vector<Label> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream cells(line);
    Label l;
    std::getline(cells, l.variant, '\t');
    std::getline(cells, l.base, '\t');
    std::getline(cells, l.diff_class, '\t');
    if (l.base != "-") out.push_back(l);
  }
  return out;
}

TEST(ForensicsCorpusTest, EveryVariantIsClassifiedAsLabelled) {
  std::vector<Label> labels = ReadLabels();
  ASSERT_GE(labels.size(), 25u) << "corpus missing: " << kCorpus;
  DiffOptions options;
  options.jobs = 2;
  int benign = 0;
  for (const Label& l : labels) {
    Result<DiffReport> r = DiffModels(kCorpus + "/" + l.base, kCorpus + "/" + l.variant, options);
    ASSERT_TRUE(r.ok()) << l.variant << ": " << r.status().ToString();
    EXPECT_EQ(ChangeKindName(r->classification.kind), l.diff_class)
        << l.variant << ": " << r->classification.summary;
    EXPECT_TRUE(r->problems.empty()) << l.variant;
    if (l.variant.rfind("ft-", 0) == 0) {
      ++benign;
      for (const Finding& f : r->findings) EXPECT_LT(f.severity, Severity::kHigh) << l.variant << ": " << f.id;
    }
  }
  EXPECT_GE(benign, 10);
}

TEST(ForensicsCorpusTest, EmbeddingPoisonTriggersAreNamedFromTheTokenizer) {
  std::vector<Label> labels = ReadLabels();
  for (const Label& l : labels) {
    if (l.diff_class != "embedding-rows") continue;
    Result<DiffReport> r = DiffModels(kCorpus + "/" + l.base, kCorpus + "/" + l.variant, DiffOptions{});
    ASSERT_TRUE(r.ok());
    // labels.tsv's detail column names the trigger words; each must appear.
    std::ifstream in(kCorpus + "/labels.tsv");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(l.variant + "\t", 0) != 0) continue;
      std::string detail = line.substr(line.rfind('\t') + 1);
      std::string words = detail.substr(detail.find("triggers:") + 9);
      words = words.substr(0, words.find(';'));
      std::stringstream ws(words);
      std::string w;
      int named = 0;
      while (ws >> w) {
        EXPECT_NE(r->classification.summary.find("'" + w + "'"), std::string::npos) << w;
        ++named;
      }
      EXPECT_GE(named, 1);
    }
  }
}

TEST(ForensicsCorpusTest, FormatCopiesOfTheBaseCompareEqual) {
  const std::map<std::string, ChangeKind> copies = {
      {"formats/sharded", ChangeKind::kIdentical},
      {"formats/model.npz", ChangeKind::kIdentical},
      {"formats/model-f16.safetensors", ChangeKind::kReencoded},
      {"formats/model-bf16.safetensors", ChangeKind::kReencoded},
  };
  for (const auto& [path, kind] : copies) {
    Result<DiffReport> r = DiffModels(kCorpus + "/base", kCorpus + "/" + path, DiffOptions{});
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().ToString();
    EXPECT_EQ(r->classification.kind, kind) << path << ": " << r->classification.summary;
    EXPECT_GT(r->tensors.size(), 20u) << path;
  }
}

}  // namespace
}  // namespace modelgate::forensics
