// Tests for AnalyzeHdf5: what it queues (Keras configs with their role,
// opaque payloads, user blocks) and which findings it raises.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "modelgate/policy.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

namespace fs = std::filesystem;

struct AnalyzerRun {
  std::vector<std::uint8_t> bytes;
  std::vector<Blob> children;
  std::vector<Finding> findings;
  const Blob* Child(const std::string& member) const {
    for (const Blob& b : children) {
      if (b.member == member) return &b;
    }
    return nullptr;
  }
  bool Has(const std::string& id) const {
    for (const Finding& f : findings) {
      if (f.id == id) return true;
    }
    return false;
  }
};

AnalyzerRun Analyze(const std::string& rel) {
  AnalyzerRun r;
  std::ifstream in(fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/formats/keras" / rel, std::ios::binary);
  r.bytes.assign(std::istreambuf_iterator<char>(in), {});
  static const Limits limits;  // ScanContext keeps a reference
  ScanContext ctx(rel, limits, Policy::Builtin());
  Blob blob;
  blob.bytes = r.bytes;
  AnalyzeHdf5(blob, ctx);
  while (ctx.HasPending()) r.children.push_back(ctx.PopPending());
  r.findings = ctx.TakeFindings();
  return r;
}

TEST(Hdf5Analyzer, QueuesKerasConfigsWithTheirRole) {
  AnalyzerRun r = Analyze("benign/k2_sequential_mlp.h5");
  ASSERT_FALSE(r.bytes.empty());
  const Blob* cfg = r.Child("<attr:model_config>");
  ASSERT_NE(cfg, nullptr);
  EXPECT_EQ(cfg->role, "keras-config");
  EXPECT_EQ(AsStringView(cfg->bytes).substr(0, 26), "{\"class_name\": \"Sequential");
  const Blob* train = r.Child("<attr:training_config>");
  ASSERT_NE(train, nullptr);
  EXPECT_EQ(train->role, "keras-config");
  EXPECT_TRUE(r.Has("HDF5-KERAS-VERSION"));
  for (const Finding& f : r.findings) EXPECT_LT(f.severity, Severity::kMedium) << f.id;
}

TEST(Hdf5Analyzer, QueuesOpaqueDatasetsAndUserBlocks) {
  AnalyzerRun r = Analyze("attack/h5_opaque_pickle.h5");
  const Blob* p = r.Child("<dataset:/payload>");
  ASSERT_NE(p, nullptr);
  ASSERT_FALSE(p->bytes.empty());
  EXPECT_EQ(p->bytes[0], 0x80);
  EXPECT_TRUE(r.Has("HDF5-OPAQUE-DATA"));

  AnalyzerRun u = Analyze("benign/k2_functional_nested_userblock.h5");
  EXPECT_NE(u.Child("<user-block>"), nullptr);
  EXPECT_TRUE(u.Has("HDF5-USER-BLOCK"));
}

TEST(Hdf5Analyzer, TruncatedFileIsMediumNotClean) {
  AnalyzerRun r = Analyze("attack/truncated.h5");
  EXPECT_TRUE(r.Has("HDF5-TRUNCATED"));
  for (const Finding& f : r.findings) EXPECT_LT(f.severity, Severity::kHigh) << f.id << " " << f.detail;
}

}  // namespace
}  // namespace modelgate
