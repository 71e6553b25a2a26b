// Our manifests of the reference implementation's fixture models equal its
// unit goldens (tests/fixtures/provenance/goldens/serialization-file*), and
// our statements equal its statement goldens byte for byte.
#include <gtest/gtest.h>

#include <set>

#include "provenance/manifest.h"
#include "provenance/reference_models_testing.h"
#include "provenance/statement.h"

namespace modelgate::provenance {
namespace {

namespace fs = std::filesystem;
using testing::AllReferenceModels;
using testing::MakeReferenceModel;
using testing::ReadFile;
using testing::TempDir;

const fs::path kGoldens = fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/provenance/goldens";
// The reference's TestSerializer / TestPayload use ShardedFileHasher(shard_size=8)
// for the "_small_shards" goldens, and the default 1_000_000_000 otherwise.
constexpr std::uint64_t kSmallShard = 8;

// The golden text format: "name:hexdigest\n" per resource (shard names are
// already "path:start:end").
std::string GoldenLines(const Manifest& m) {
  std::string out;
  for (const Resource& r : m.resources) out += r.name + ":" + ToHex(r.digest) + "\n";
  return out;
}

SerializationOptions ReferenceTestOptions(SerializationMethod method, std::uint64_t shard_size) {
  SerializationOptions o;
  o.method = method;
  o.shard_size = shard_size;
  // The reference's unit tests build serializers directly: symlinks allowed,
  // no ignore paths at all (the git defaults live in its higher-level API).
  o.allow_symlinks = true;
  o.ignore_git_paths = false;
  o.threads = 2;
  return o;
}

struct GoldenCase {
  std::string model;
  std::string variant;  // "files", "shard", "small_shards"
};

std::string CaseName(const ::testing::TestParamInfo<GoldenCase>& info) {
  return info.param.model + "_" + info.param.variant;
}

std::vector<GoldenCase> AllCases() {
  std::vector<GoldenCase> cases;
  for (const std::string& m : AllReferenceModels()) {
    for (const char* v : {"files", "shard", "small_shards"}) cases.push_back({m, v});
  }
  return cases;
}

class ReferenceGoldenTest : public ::testing::TestWithParam<GoldenCase> {
 protected:
  SerializationOptions Options() const {
    const std::string& v = GetParam().variant;
    if (v == "files") return ReferenceTestOptions(SerializationMethod::kFiles, 1'000'000'000);
    return ReferenceTestOptions(SerializationMethod::kShards, v == "shard" ? 1'000'000'000 : kSmallShard);
  }
  Manifest Build() {
    const fs::path model = MakeReferenceModel(GetParam().model, dir_.path());
    Result<Manifest> m = BuildManifest(model, Options());
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? std::move(m).value() : Manifest{};
  }
  TempDir dir_;
};

TEST_P(ReferenceGoldenTest, ManifestEqualsSerializerGolden) {
  const GoldenCase& c = GetParam();
  // serialization-file has no shard variants; serialization-file_shard holds
  // "<model>" (1 GB shards) and "<model>_small_shards".
  fs::path golden;
  if (c.variant == "files") {
    golden = kGoldens / "serialization-file/TestSerializer" / c.model;
  } else {
    golden = kGoldens / "serialization-file_shard/TestSerializer" /
             (c.variant == "shard" ? c.model : c.model + "_small_shards");
  }
  ASSERT_TRUE(fs::exists(golden)) << golden;
  EXPECT_EQ(GoldenLines(Build()), ReadFile(golden));
}

TEST_P(ReferenceGoldenTest, StatementEqualsPayloadGoldenByteForByte) {
  const GoldenCase& c = GetParam();
  const std::string suffix = c.variant == "files" ? "" : "_" + c.variant;
  const fs::path golden = kGoldens / "statement-TestPayload" / (c.model + suffix);
  ASSERT_TRUE(fs::exists(golden)) << golden;
  // The reference test writes MessageToJson(statement) plus "\n".
  EXPECT_EQ(StatementJson(Build()) + "\n", ReadFile(golden));
}

TEST_P(ReferenceGoldenTest, StatementRoundTripsThroughParser) {
  const Manifest built = Build();
  Result<ParsedStatement> parsed = ParseStatement(StatementJson(built), Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->subject_digest, built.RootDigest());
  EXPECT_EQ(parsed->manifest.model_name, built.model_name);
  ASSERT_EQ(parsed->manifest.resources.size(), built.resources.size());
  for (std::size_t i = 0; i < built.resources.size(); ++i) {
    EXPECT_EQ(parsed->manifest.resources[i].name, built.resources[i].name);
    EXPECT_EQ(parsed->manifest.resources[i].algorithm, built.resources[i].algorithm);
    EXPECT_EQ(parsed->manifest.resources[i].digest, built.resources[i].digest);
  }
  EXPECT_EQ(parsed->manifest.serialization.method, built.serialization.method);
  EXPECT_EQ(parsed->manifest.serialization.shard_size, built.serialization.shard_size);
  EXPECT_TRUE(CompareManifests(parsed->manifest, built).empty());
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, ReferenceGoldenTest, ::testing::ValuesIn(AllCases()), CaseName);

// Every golden file we copied is exercised by a case above.
TEST(ReferenceGoldenCoverage, EveryGoldenFileHasACase) {
  std::set<fs::path> covered;
  for (const GoldenCase& c : AllCases()) {
    if (c.variant == "files") {
      covered.insert(kGoldens / "serialization-file/TestSerializer" / c.model);
      covered.insert(kGoldens / "statement-TestPayload" / c.model);
    } else {
      covered.insert(kGoldens / "serialization-file_shard/TestSerializer" /
                     (c.variant == "shard" ? c.model : c.model + "_small_shards"));
      covered.insert(kGoldens / "statement-TestPayload" / (c.model + "_" + c.variant));
    }
  }
  std::size_t goldens = 0;
  for (const auto& e : fs::recursive_directory_iterator(kGoldens)) {
    if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
    ++goldens;
    EXPECT_TRUE(covered.count(e.path())) << "golden without a test: " << e.path();
  }
  EXPECT_EQ(goldens, 7u + 14u + 21u);
}

}  // namespace
}  // namespace modelgate::provenance
