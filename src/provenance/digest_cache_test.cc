#include "provenance/digest_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/hashing.h"
#include "provenance/manifest.h"
#include "provenance/model_walk.h"
#include "provenance/reference_models_testing.h"

namespace modelgate::provenance {
namespace {

namespace fs = std::filesystem;
using testing::MakeReferenceModel;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

Manifest MustBuild(const fs::path& model, const SerializationOptions& o) {
  Result<Manifest> m = BuildManifest(model, o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(m).value() : Manifest{};
}

class DigestCacheTest : public ::testing::TestWithParam<SerializationMethod> {
 protected:
  void SetUp() override {
    model_ = MakeReferenceModel("sample_model_folder", dir_.path());
    WriteFile(model_ / "empty", "");
    options_.method = GetParam();
    options_.shard_size = 8;
    cache_path_ = dir_.path() / "cache";
  }
  TempDir dir_;
  fs::path model_;
  fs::path cache_path_;
  SerializationOptions options_;
};

TEST_P(DigestCacheTest, SecondBuildHitsEveryFileAndGivesTheSameManifest) {
  DigestCache first;
  first.Load(cache_path_);
  EXPECT_EQ(first.size(), 0u);
  EXPECT_TRUE(first.warnings().empty());
  SerializationOptions o = options_;
  o.cache = &first;
  const Manifest cold = MustBuild(model_, o);
  EXPECT_EQ(first.hits(), 0u);
  EXPECT_EQ(first.size(), 11u);
  ASSERT_TRUE(first.Save(cache_path_).ok());

  DigestCache second;
  second.Load(cache_path_);
  EXPECT_TRUE(second.warnings().empty());
  ASSERT_EQ(second.size(), 11u);
  o.cache = &second;
  const Manifest warm = MustBuild(model_, o);
  EXPECT_EQ(second.hits(), 11u);
  EXPECT_EQ(warm.RootDigest(), cold.RootDigest());
  EXPECT_EQ(warm.RootDigest(), MustBuild(model_, options_).RootDigest());
}

TEST_P(DigestCacheTest, ChangedFileIsHashedAgain) {
  DigestCache cache;
  SerializationOptions o = options_;
  o.cache = &cache;
  (void)MustBuild(model_, o);
  WriteFile(model_ / "f1", "different contents, different size");
  const Manifest after = MustBuild(model_, o);
  EXPECT_EQ(cache.hits(), 10u);  // every file but f1
  EXPECT_EQ(after.RootDigest(), MustBuild(model_, options_).RootDigest());
  EXPECT_EQ(cache.size(), 11u);  // f1's stale entry was replaced, not kept
}

INSTANTIATE_TEST_SUITE_P(Methods, DigestCacheTest,
                         ::testing::Values(SerializationMethod::kFiles, SerializationMethod::kShards),
                         [](const auto& info) { return info.param == SerializationMethod::kFiles ? "files" : "shards"; });

// The documented trust: a hit is taken on metadata alone. This is why the
// cache is opt-in and verification does not use it.
TEST(DigestCacheTrust, AHitIsTakenOnMetadataAloneAndOnlyWhenTheCacheIsGiven) {
  TempDir dir;
  WriteFile(dir.path() / "m/w", "real");
  struct stat st;
  ASSERT_EQ(stat((dir.path() / "m/w").c_str(), &st), 0);
  FileIdentity id{static_cast<std::uint64_t>(st.st_size),
                  static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                  static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec,
                  static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_dev)};
  DigestCache cache;
  const std::string planted = HashBytes(HashKind::kSha256, "planted");
  cache.Insert(DigestCacheKey{"w", id, "sha256", 0}, {planted});
  SerializationOptions with;
  with.cache = &cache;
  EXPECT_EQ(MustBuild(dir.path() / "m", with).resources[0].digest, planted);
  EXPECT_EQ(MustBuild(dir.path() / "m", SerializationOptions{}).resources[0].digest, HashBytes(HashKind::kSha256, "real"));
}

TEST(DigestCacheFile, CorruptTruncatedOrForeignFilesAreIgnoredWithAWarning) {
  TempDir dir;
  const fs::path model = MakeReferenceModel("sample_model_folder", dir.path());
  const fs::path path = dir.path() / "cache";
  DigestCache cache;
  SerializationOptions o;
  o.cache = &cache;
  (void)MustBuild(model, o);
  ASSERT_TRUE(cache.Save(path).ok());
  const std::string good = ReadFile(path);

  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x01;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {flipped, "checksum"},
      {good.substr(0, good.size() - 10), "checksum"},
      {good.substr(0, good.size() / 2), "no checksum"},
      {"", "no checksum"},
      {"garbage\nsha256 00\n", "checksum"},
  };
  for (const auto& [text, reason] : bad) {
    WriteFile(path, text);
    DigestCache loaded;
    loaded.Load(path);
    EXPECT_EQ(loaded.size(), 0u);
    ASSERT_EQ(loaded.warnings().size(), 1u);
    EXPECT_NE(loaded.warnings()[0].find(reason), std::string::npos) << loaded.warnings()[0];
    // A manifest built with the ignored cache carries the warning.
    SerializationOptions with;
    with.cache = &loaded;
    Manifest m = MustBuild(model, with);
    ASSERT_FALSE(m.warnings.empty());
    EXPECT_NE(m.warnings.back().find("ignored"), std::string::npos);
  }
}

TEST(DigestCacheFile, FifoAtTheCachePathIsRefusedNotRead) {
  TempDir dir;
  const fs::path path = dir.path() / "cache";
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  DigestCache cache;
  cache.Load(path);  // would block if opened for a plain read
  EXPECT_EQ(cache.size(), 0u);
  ASSERT_EQ(cache.warnings().size(), 1u);
  EXPECT_NE(cache.warnings()[0].find("not a regular file"), std::string::npos);
}

TEST(DigestCacheFile, SaveIsAtomicAndPrivate) {
  TempDir dir;
  DigestCache cache;
  cache.Insert(DigestCacheKey{"a b\nc", FileIdentity{1, 2, 3, 4, 5}, "sha256-sharded-8", 8}, {});
  cache.Insert(DigestCacheKey{"x", FileIdentity{1, -2, 3, 4, 5}, "blake2b", 0},
               {HashBytes(HashKind::kBlake2b512, "x")});
  const fs::path path = dir.path() / "cache";
  WriteFile(path, "old");
  ASSERT_TRUE(cache.Save(path).ok());
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "cache");  // no temporary left behind
  }
  EXPECT_EQ(entries, 1u);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  DigestCache loaded;
  loaded.Load(path);
  EXPECT_TRUE(loaded.warnings().empty());
  EXPECT_EQ(loaded.size(), 2u);
  auto odd = loaded.Lookup(DigestCacheKey{"a b\nc", FileIdentity{1, 2, 3, 4, 5}, "sha256-sharded-8", 8});
  ASSERT_TRUE(odd.has_value());
  EXPECT_TRUE(odd->empty());
  auto x = loaded.Lookup(DigestCacheKey{"x", FileIdentity{1, -2, 3, 4, 5}, "blake2b", 0});
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->at(0), HashBytes(HashKind::kBlake2b512, "x"));
  EXPECT_FALSE(loaded.Lookup(DigestCacheKey{"x", FileIdentity{1, -2, 3, 4, 6}, "blake2b", 0}).has_value());

  loaded.RetainOnly({"x"});
  EXPECT_EQ(loaded.size(), 1u);
  EXPECT_FALSE(cache.Save(dir.path() / "no/such/dir/cache").ok());
}

}  // namespace
}  // namespace modelgate::provenance
