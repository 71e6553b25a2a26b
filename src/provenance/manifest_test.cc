// BuildManifest / CompareManifests: tampering, enumeration rules, ordering,
// hash algorithms, limits.
#include "provenance/manifest.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/hashing.h"
#include "provenance/reference_models_testing.h"

namespace modelgate::provenance {
namespace {

namespace fs = std::filesystem;
using testing::MakeReferenceModel;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> Names(const Manifest& m) {
  std::vector<std::string> out;
  for (const Resource& r : m.resources) out.push_back(r.name);
  return out;
}

Manifest MustBuild(const fs::path& model, const SerializationOptions& o = {}) {
  Result<Manifest> m = BuildManifest(model, o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(m).value() : Manifest{};
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void FlipByte(const fs::path& file, std::size_t offset) {
  std::string bytes = testing::ReadFile(file);
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x01);
  WriteFile(file, bytes);
}

class TamperTest : public ::testing::TestWithParam<SerializationMethod> {
 protected:
  void SetUp() override {
    model_ = MakeReferenceModel("sample_model_folder", dir_.path());
    options_.method = GetParam();
    options_.shard_size = 8;
    signed_ = MustBuild(model_, options_);
    ASSERT_EQ(signed_.resources.empty(), false);
  }
  ManifestDifference Diff() { return CompareManifests(signed_, MustBuild(model_, options_)); }

  TempDir dir_;
  fs::path model_;
  SerializationOptions options_;
  Manifest signed_;
};

TEST_P(TamperTest, UnchangedModelHasNoDifference) { EXPECT_TRUE(Diff().empty()); }

TEST_P(TamperTest, FlippedByteNamesTheFile) {
  FlipByte(model_ / "d1/f11", 9);
  ManifestDifference d = Diff();
  EXPECT_EQ(d.changed, std::vector<std::string>{"d1/f11"});
  EXPECT_TRUE(d.added.empty());
  EXPECT_TRUE(d.missing.empty());
}

TEST_P(TamperTest, AppendedByteNamesTheFile) {
  WriteFile(model_ / "f2", testing::ReadFile(model_ / "f2") + "x");
  EXPECT_EQ(Diff().changed, std::vector<std::string>{"f2"});
}

TEST_P(TamperTest, AddedFileIsNamed) {
  WriteFile(model_ / "d0/extra.bin", "payload");
  ManifestDifference d = Diff();
  EXPECT_EQ(d.added, std::vector<std::string>{"d0/extra.bin"});
  EXPECT_TRUE(d.changed.empty());
  EXPECT_TRUE(d.missing.empty());
}

TEST_P(TamperTest, RemovedFileIsNamed) {
  fs::remove(model_ / "f0");
  ManifestDifference d = Diff();
  EXPECT_EQ(d.missing, std::vector<std::string>{"f0"});
  EXPECT_TRUE(d.changed.empty());
  EXPECT_TRUE(d.added.empty());
}

TEST_P(TamperTest, RenamedFileIsMissingAndAdded) {
  fs::rename(model_ / "d0/f02", model_ / "d0/f02.renamed");
  ManifestDifference d = Diff();
  EXPECT_EQ(d.missing, std::vector<std::string>{"d0/f02"});
  EXPECT_EQ(d.added, std::vector<std::string>{"d0/f02.renamed"});
  EXPECT_TRUE(d.changed.empty());
}

TEST_P(TamperTest, TruncatedToEmptyIsChanged) {
  WriteFile(model_ / "f3", "");
  ManifestDifference d = Diff();
  if (GetParam() == SerializationMethod::kFiles) {
    EXPECT_EQ(d.changed, std::vector<std::string>{"f3"});
  } else {
    // An empty file has no shards (spec 6.3.2): its signed shards are gone.
    EXPECT_EQ(d.missing, std::vector<std::string>{"f3"});
    EXPECT_TRUE(d.changed.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Methods, TamperTest,
                         ::testing::Values(SerializationMethod::kFiles, SerializationMethod::kShards),
                         [](const auto& info) { return info.param == SerializationMethod::kFiles ? "files" : "shards"; });

TEST(ManifestOrder, SortsByPathComponentsNotBytes) {
  TempDir dir;
  for (const char* n : {"a0", "a.b", "a-b", "a/b", "a/a/z", "B"}) WriteFile(dir.path() / "m" / n, n);
  Manifest m = MustBuild(dir.path() / "m");
  // Bytewise order would put "a-b" and "a.b" before "a/b" ('/' is 0x2f).
  EXPECT_EQ(Names(m), (std::vector<std::string>{"B", "a/a/z", "a/b", "a-b", "a.b", "a0"}));
}

TEST(ManifestOrder, ShardsAscendByNumericStart) {
  TempDir dir;
  WriteFile(dir.path() / "m/w", std::string(100, 'w'));
  SerializationOptions o;
  o.method = SerializationMethod::kShards;
  o.shard_size = 8;
  Manifest m = MustBuild(dir.path() / "m", o);
  ASSERT_EQ(m.resources.size(), 13u);
  EXPECT_EQ(m.resources[1].name, "w:8:16");  // string order would put "w:16:24" here
  EXPECT_EQ(m.resources[12].name, "w:96:100");
  EXPECT_EQ(m.resources[0].algorithm, "sha256-sharded-8");
}

TEST(ManifestNames, SingleFileIsDotAndModelNameIsTheFileName) {
  TempDir dir;
  fs::path model = MakeReferenceModel("sample_model_file", dir.path());
  Manifest m = MustBuild(model);
  EXPECT_EQ(Names(m), std::vector<std::string>{"."});
  EXPECT_EQ(m.model_name, "file_model");
}

TEST(ManifestNames, ModelNameOfAPathWithTrailingSlashOrDot) {
  TempDir dir;
  fs::path model = MakeReferenceModel("sample_model_folder", dir.path());
  EXPECT_EQ(MustBuild(model.string() + "/").model_name, "sample_model");
  EXPECT_EQ(MustBuild(model / ".").model_name, "sample_model");
}

TEST(ManifestThreads, ResultDoesNotDependOnThreadCount) {
  TempDir dir;
  for (int i = 0; i < 40; ++i) WriteFile(dir.path() / "m" / ("f" + std::to_string(i)), std::string(1000 + i * 37, 'a' + i % 26));
  for (SerializationMethod method : {SerializationMethod::kFiles, SerializationMethod::kShards}) {
    SerializationOptions one;
    one.method = method;
    one.shard_size = 100;
    one.threads = 1;
    SerializationOptions four = one;
    four.threads = 4;
    Manifest a = MustBuild(dir.path() / "m", one);
    Manifest b = MustBuild(dir.path() / "m", four);
    EXPECT_EQ(a.RootDigest(), b.RootDigest());
    EXPECT_TRUE(CompareManifests(a, b).empty());
  }
}

TEST(ManifestHash, Blake2bDigestsAreBlake2b512) {
  TempDir dir;
  WriteFile(dir.path() / "m/abc", "abc");
  SerializationOptions o;
  o.hash = HashAlgorithm::kBlake2b;
  Manifest m = MustBuild(dir.path() / "m", o);
  ASSERT_EQ(m.resources.size(), 1u);
  EXPECT_EQ(m.resources[0].algorithm, "blake2b");
  EXPECT_EQ(ToHex(m.resources[0].digest),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  o.method = SerializationMethod::kShards;
  o.shard_size = 2;
  Manifest s = MustBuild(dir.path() / "m", o);
  ASSERT_EQ(s.resources.size(), 2u);
  EXPECT_EQ(s.resources[1].algorithm, "blake2b-sharded-2");
  EXPECT_EQ(s.resources[1].digest, HashBytes(HashKind::kBlake2b512, "c"));
  // The root digest is SHA-256 whatever the file hash.
  EXPECT_EQ(s.RootDigest(), HashBytes(HashKind::kSha256, s.resources[0].digest + s.resources[1].digest));
}

TEST(ManifestIgnore, DefaultGitPathsOnlyAtTopLevel) {
  TempDir dir;
  const fs::path m = dir.path() / "m";
  for (const char* n : {".git/HEAD", ".gitignore", ".gitattributes", ".github/workflows/ci.yml", "sub/.git/HEAD",
                        "sub/.gitignore", "model.bin", ".gitmodules"}) {
    WriteFile(m / n, n);
  }
  EXPECT_EQ(Names(MustBuild(m)),
            (std::vector<std::string>{".gitmodules", "model.bin", "sub/.git/HEAD", "sub/.gitignore"}));
  SerializationOptions keep;
  keep.ignore_git_paths = false;
  EXPECT_EQ(MustBuild(m, keep).resources.size(), 8u);
}

TEST(ManifestIgnore, ExactRelativePathsAndSubtrees) {
  TempDir dir;
  const fs::path model = MakeReferenceModel("sample_model_folder", dir.path());
  SerializationOptions o;
  o.ignore_paths = {"d0", "./d1//f10", "f", "f3/"};
  // "d0" drops its subtree; "f" matches no file (not a prefix match);
  // "./d1//f10" and "f3/" are normalised.
  EXPECT_EQ(Names(MustBuild(model, o)), (std::vector<std::string>{"d1/f11", "d1/f12", "f0", "f1", "f2"}));
}

TEST(ManifestIgnore, InvalidIgnorePathsAreRefusedWithTheReason) {
  TempDir dir;
  const fs::path model = MakeReferenceModel("sample_model_folder", dir.path());
  for (const auto& [path, reason] : std::vector<std::pair<std::string, std::string>>{
           {"*.bin", "glob"}, {"d[0]", "glob"}, {"../outside", ".."}, {"d0/../../x", ".."}, {"/etc", "absolute"},
           {"", "empty"}, {".", "root"}}) {
    SerializationOptions o;
    o.ignore_paths = {path};
    Result<Manifest> m = BuildManifest(model, o);
    ASSERT_FALSE(m.ok()) << path;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(m.status().message(), reason)) << m.status().message();
  }
}

TEST(ManifestIgnore, SignatureFileExcludedThroughIgnorePaths) {
  TempDir dir;
  const fs::path model = MakeReferenceModel("sample_model_folder", dir.path());
  WriteFile(model / "model.sig", "{}");
  SerializationOptions o;
  o.ignore_paths = {"model.sig"};
  std::vector<std::string> names = Names(MustBuild(model, o));
  EXPECT_EQ(std::count(names.begin(), names.end(), "model.sig"), 0);
  EXPECT_EQ(names.size(), 10u);
}

TEST(ManifestSymlinks, RefusedUnlessAllowedWithTheLinkNamed) {
  TempDir dir;
  const fs::path model = MakeReferenceModel("symlink_model_folder", dir.path());
  Result<Manifest> refused = BuildManifest(model, SerializationOptions{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(refused.status().message(), "symlink_file")) << refused.status().message();

  SerializationOptions allow;
  allow.allow_symlinks = true;
  Manifest m = MustBuild(model, allow);
  EXPECT_EQ(Names(m), std::vector<std::string>{"symlink_file"});
  EXPECT_EQ(m.resources[0].digest, HashBytes(HashKind::kSha256, testing::kKnownModelText));
  ASSERT_EQ(m.warnings.size(), 1u);  // spec 6.1.1: a target outside the model is reported
  EXPECT_TRUE(Contains(m.warnings[0], "outside the model"));
}

TEST(ManifestSymlinks, LinkInsideTheModelHasNoWarning) {
  TempDir dir;
  WriteFile(dir.path() / "m/real", "x");
  fs::create_symlink("real", dir.path() / "m/alias");
  SerializationOptions allow;
  allow.allow_symlinks = true;
  Manifest m = MustBuild(dir.path() / "m", allow);
  EXPECT_EQ(Names(m), (std::vector<std::string>{"alias", "real"}));
  EXPECT_EQ(m.resources[0].digest, m.resources[1].digest);
  EXPECT_TRUE(m.warnings.empty());
}

TEST(ManifestSymlinks, LinkedFolderBrokenLinkAndLinkedRootAreRefused) {
  TempDir dir;
  WriteFile(dir.path() / "m/sub/f", "x");
  fs::create_symlink(dir.path() / "m/sub", dir.path() / "m/loop");
  SerializationOptions allow;
  allow.allow_symlinks = true;
  Result<Manifest> folder = BuildManifest(dir.path() / "m", allow);
  ASSERT_FALSE(folder.ok());
  EXPECT_TRUE(Contains(folder.status().message(), "loop: is a symlink to a folder"));

  fs::remove(dir.path() / "m/loop");
  fs::create_symlink(dir.path() / "nowhere", dir.path() / "m/broken");
  Result<Manifest> broken = BuildManifest(dir.path() / "m", allow);
  ASSERT_FALSE(broken.ok());
  EXPECT_TRUE(Contains(broken.status().message(), "broken")) << broken.status().message();

  fs::remove(dir.path() / "m/broken");
  fs::create_symlink(dir.path() / "m", dir.path() / "link-to-m");
  Result<Manifest> root = BuildManifest(dir.path() / "link-to-m", SerializationOptions{});
  ASSERT_FALSE(root.ok());
  EXPECT_TRUE(Contains(root.status().message(), "symlink"));
  EXPECT_EQ(MustBuild(dir.path() / "link-to-m", allow).resources.size(), 1u);
}

TEST(ManifestSpecialFiles, FifoIsRefusedWithoutBeingOpened) {
  TempDir dir;
  WriteFile(dir.path() / "m/ok", "x");
  ASSERT_EQ(mkfifo((dir.path() / "m/pipe").c_str(), 0600), 0);
  Result<Manifest> m = BuildManifest(dir.path() / "m", SerializationOptions{});  // would hang if opened
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(m.status().message(), "pipe: is a FIFO")) << m.status().message();
}

TEST(ManifestNamesUtf8, InvalidUtf8NameIsRefused) {
  TempDir dir;
  WriteFile(dir.path() / "m" / std::string("bad\xff", 4), "x");
  Result<Manifest> m = BuildManifest(dir.path() / "m", SerializationOptions{});
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(Contains(m.status().message(), "UTF-8"));
}

TEST(ManifestLimits, DepthFilesAndResourcesAreBounded) {
  TempDir dir;
  const fs::path model = MakeReferenceModel("deep_model_folder", dir.path());
  Limits shallow;
  shallow.max_model_depth = 3;
  Result<Manifest> deep = BuildManifest(model, SerializationOptions{}, shallow);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), StatusCode::kLimitExceeded);

  Limits few;
  few.max_model_files = 3;
  Result<Manifest> many = BuildManifest(model, SerializationOptions{}, few);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.status().code(), StatusCode::kLimitExceeded);

  Limits small;
  small.max_manifest_resources = 5;
  SerializationOptions shards;
  shards.method = SerializationMethod::kShards;
  shards.shard_size = 1;
  Result<Manifest> tiny = BuildManifest(model, shards, small);
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(tiny.status().code(), StatusCode::kLimitExceeded);

  shards.shard_size = 0;
  EXPECT_EQ(BuildManifest(model, shards).status().code(), StatusCode::kInvalidArgument);
}

TEST(ManifestErrors, MissingModelIsAnIoErrorNamingThePath) {
  Result<Manifest> m = BuildManifest("/nonexistent/model-dir", SerializationOptions{});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kIOError);
  EXPECT_TRUE(Contains(m.status().message(), "/nonexistent/model-dir"));
}

TEST(ManifestHelpers, ResourceFileNameUsesTheLastTwoColons) {
  EXPECT_EQ(ResourceFileName("a:b/c:0:8", SerializationMethod::kShards), "a:b/c");
  EXPECT_EQ(ResourceFileName(".:16:22", SerializationMethod::kShards), ".");
  EXPECT_EQ(ResourceFileName("a:b", SerializationMethod::kFiles), "a:b");
}

TEST(ManifestHelpers, RecordedIgnorePathsAddDefaultsSortedAndUnique) {
  SerializationOptions o;
  o.ignore_paths = {"model.sig", "./ignore-me", "model.sig"};
  EXPECT_EQ(RecordedIgnorePaths(o), (std::vector<std::string>{".git", ".gitattributes", ".github", ".gitignore",
                                                              "ignore-me", "model.sig"}));
  o.ignore_git_paths = false;
  EXPECT_EQ(RecordedIgnorePaths(o), (std::vector<std::string>{"ignore-me", "model.sig"}));
}

}  // namespace
}  // namespace modelgate::provenance
