// StatementJson formatting corners and ParseStatement on hostile payloads.
// (The reference goldens are compared in manifest_golden_test.cc, the
// historical bundles' payloads in bundle_manifest_test.cc.)
#include "provenance/statement.h"

#include <gtest/gtest.h>

#include "base/hashing.h"

namespace modelgate::provenance {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

Manifest TwoFileManifest() {
  Manifest m;
  m.model_name = "model";
  m.serialization.ignore_git_paths = false;
  m.resources.push_back({"a", "sha256", HashBytes(HashKind::kSha256, "a")});
  m.resources.push_back({"b", "sha256", HashBytes(HashKind::kSha256, "b")});
  return m;
}

// A valid v1.0 payload with `serialization` and `resources` spliced in; the
// subject digest is computed from `digests` unless given.
std::string Payload(const std::string& serialization, const std::string& resources, const std::string& subject_hex) {
  return R"({"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "m", "digest": {"sha256": ")" +
         subject_hex + R"("}}], "predicateType": "https://model_signing/signature/v1.0", "predicate": {"serialization": )" +
         serialization + R"(, "resources": )" + resources + "}}";
}

const std::string kFilesSer = R"({"method": "files", "hash_type": "sha256", "allow_symlinks": false})";

std::string OneResource(const std::string& name, const std::string& algorithm, const std::string& digest_hex) {
  return R"([{"name": ")" + name + R"(", "algorithm": ")" + algorithm + R"(", "digest": ")" + digest_hex + R"("}])";
}

std::string RootOf(const std::string& digest_hex) {
  std::string raw;
  HexDecode(digest_hex, &raw);
  return HexEncode(HashBytes(HashKind::kSha256, raw));
}

const std::string kDigestA = HexEncode(HashBytes(HashKind::kSha256, "a"));

TEST(StatementJson, RecordsIgnorePathsAfterTheOtherSerializationFields) {
  Manifest m = TwoFileManifest();
  m.serialization.ignore_git_paths = true;
  m.serialization.ignore_paths = {"model.sig"};
  const std::string json = StatementJson(m);
  EXPECT_TRUE(Contains(json,
                       "      \"allow_symlinks\": false,\n      \"ignore_paths\": [\n        \".git\",\n        "
                       "\".gitattributes\",\n        \".github\",\n        \".gitignore\",\n        \"model.sig\"\n"
                       "      ]\n    },"))
      << json;
  Result<ParsedStatement> parsed = ParseStatement(json, Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->manifest.serialization.ignore_paths.size(), 5u);
}

TEST(StatementJson, EscapesLikePythonEnsureAscii) {
  Manifest m = TwoFileManifest();
  m.resources[0].name = "caf\xc3\xa9/\xf0\x9f\x98\x80\"q\\\n";
  m.model_name = "mod\x01";
  const std::string json = StatementJson(m);
  EXPECT_TRUE(Contains(json, R"("name": "caf\u00e9/\ud83d\ude00\"q\\\n")")) << json;
  EXPECT_TRUE(Contains(json, R"("name": "mod\u0001")")) << json;
  Result<ParsedStatement> parsed = ParseStatement(json, Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->manifest.resources[0].name, m.resources[0].name);
}

TEST(StatementJson, ShardSizeIsWrittenAsPythonWritesAFloat) {
  Manifest m;
  m.model_name = "m";
  m.serialization.method = SerializationMethod::kShards;
  m.serialization.ignore_git_paths = false;
  m.serialization.shard_size = 10'000'000'000'000'000ull;
  EXPECT_TRUE(Contains(StatementJson(m), "\"shard_size\": 1e+16\n")) << StatementJson(m);
  m.serialization.shard_size = 1'000'000'000;
  EXPECT_TRUE(Contains(StatementJson(m), "\"shard_size\": 1000000000.0\n"));
}

TEST(ParseStatement, AcceptsUnknownFieldsAndAnyKeyOrder) {
  const std::string payload =
      R"({"predicate": {"resources": [{"digest": ")" + kDigestA +
      R"(", "annotations": {"x": 1}, "name": "a", "algorithm": "sha256"}], "extra": [1, 2],
        "serialization": {"allow_symlinks": false, "hash_type": "sha256", "method": "files", "future": true}},
        "predicateType": "https://model_signing/signature/v1.0", "unknown": null,
        "subject": [{"digest": {"sha256": ")" +
      RootOf(kDigestA) + R"(", "sha512": "ignored"}, "name": "m"}], "_type": "https://in-toto.io/Statement/v1"})";
  Result<ParsedStatement> parsed = ParseStatement(payload, Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->manifest.resources.size(), 1u);
  EXPECT_EQ(parsed->manifest.model_name, "m");
}

TEST(ParseStatement, ShardSizeMayBeAnIntegralFloat) {
  const std::string resources = OneResource("w:0:8", "sha256-sharded-8", kDigestA);
  for (const std::string size : {"8", "8.0", "8e0"}) {
    const std::string ser = R"({"method": "shards", "hash_type": "sha256", "allow_symlinks": false, "shard_size": )" +
                            size + "}";
    Result<ParsedStatement> parsed = ParseStatement(Payload(ser, resources, RootOf(kDigestA)), Limits());
    ASSERT_TRUE(parsed.ok()) << size << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->manifest.serialization.shard_size, 8u);
  }
  for (const std::string size : {"8.5", "-8", "0", "0.0", "\"8\"", "1e300", "null"}) {
    const std::string ser = R"({"method": "shards", "hash_type": "sha256", "allow_symlinks": false, "shard_size": )" +
                            size + "}";
    Result<ParsedStatement> parsed = ParseStatement(Payload(ser, resources, RootOf(kDigestA)), Limits());
    ASSERT_FALSE(parsed.ok()) << size;
    EXPECT_TRUE(Contains(parsed.status().message(), "shard_size")) << parsed.status().message();
  }
}

TEST(ParseStatement, ShardResourcesMayUseTheSpecAlgorithmName) {
  const std::string ser = R"({"method": "shards", "hash_type": "sha256", "allow_symlinks": false, "shard_size": 8})";
  EXPECT_TRUE(ParseStatement(Payload(ser, OneResource("a:b:0:8", "sha256", kDigestA), RootOf(kDigestA)), Limits()).ok());
  Result<ParsedStatement> wrong =
      ParseStatement(Payload(ser, OneResource("w:0:8", "sha256-sharded-9", kDigestA), RootOf(kDigestA)), Limits());
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(Contains(wrong.status().message(), "sha256-sharded-9"));
  for (const std::string name : {"w:0:9", "w:8:4", "w:1:8", "w:0:08", "w", "w:0", ":0:8"}) {
    Result<ParsedStatement> bad =
        ParseStatement(Payload(ser, OneResource(name, "sha256-sharded-8", kDigestA), RootOf(kDigestA)), Limits());
    EXPECT_FALSE(bad.ok()) << name;
  }
}

TEST(ParseStatement, WrongPredicateTypeIsNamed) {
  std::string payload = Payload(kFilesSer, OneResource("a", "sha256", kDigestA), RootOf(kDigestA));
  payload.replace(payload.find("https://model_signing/signature/v1.0"), 36, "https://evil.example/v9");
  Result<ParsedStatement> parsed = ParseStatement(payload, Limits());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kNotSupported);
  EXPECT_TRUE(Contains(parsed.status().message(), "https://evil.example/v9"));
}

TEST(ParseStatement, SubjectDigestMustBeTheRootDigest) {
  const std::string other = HexEncode(HashBytes(HashKind::kSha256, "other"));
  Result<ParsedStatement> parsed = ParseStatement(Payload(kFilesSer, OneResource("a", "sha256", kDigestA), other), Limits());
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(Contains(parsed.status().message(), "root digest")) << parsed.status().message();
  EXPECT_TRUE(Contains(parsed.status().message(), other));
}

TEST(ParseStatement, HostileResourcesAreRefusedWithTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {OneResource("../etc/passwd", "sha256", kDigestA), "canonical"},
      {OneResource("/abs", "sha256", kDigestA), "canonical"},
      {OneResource("a//b", "sha256", kDigestA), "canonical"},
      {OneResource("a/./b", "sha256", kDigestA), "canonical"},
      {OneResource("", "sha256", kDigestA), "canonical"},
      {OneResource("a", "sha256", "zz"), "hex"},
      {OneResource("a", "sha256", kDigestA.substr(2)), "31 bytes"},
      {OneResource("a", "blake2b", kDigestA), "algorithm"},
      {R"([{"name": "a", "algorithm": "sha256"}])", "digest is missing"},
      {R"([{"name": 7, "algorithm": "sha256", "digest": ")" + kDigestA + R"("}])", "name"},
      {R"({"a": 1})", "not an array"},
      {R"([{"name": "a", "algorithm": "sha256", "digest": ")" + kDigestA + R"("}, {"name": "a", "algorithm": "sha256", "digest": ")" +
           kDigestA + R"("}])",
       "listed twice"},
      {R"([{"name": ".", "algorithm": "sha256", "digest": ")" + kDigestA + R"("}, {"name": "b", "algorithm": "sha256", "digest": ")" +
           kDigestA + R"("}])",
       "not alone"},
  };
  for (const auto& [resources, reason] : cases) {
    Result<ParsedStatement> parsed = ParseStatement(Payload(kFilesSer, resources, RootOf(kDigestA)), Limits());
    ASSERT_FALSE(parsed.ok()) << resources;
    EXPECT_TRUE(Contains(parsed.status().message(), reason)) << parsed.status().message();
  }
}

TEST(ParseStatement, HostileSerializationIsRefused) {
  const std::string res = OneResource("a", "sha256", kDigestA);
  for (const auto& [ser, reason] : std::vector<std::pair<std::string, std::string>>{
           {R"({"method": "tensors", "hash_type": "sha256", "allow_symlinks": false})", "tensors"},
           {R"({"method": "files", "hash_type": "blake3", "allow_symlinks": false})", "blake3"},
           {R"({"method": "files", "hash_type": "sha256"})", "allow_symlinks"},
           {R"({"method": "files", "hash_type": "sha256", "allow_symlinks": "no"})", "allow_symlinks"},
           {R"({"method": "files", "hash_type": "sha256", "allow_symlinks": false, "ignore_paths": "x"})", "ignore_paths"},
           {R"([])", "serialization"},
       }) {
    Result<ParsedStatement> parsed = ParseStatement(Payload(ser, res, RootOf(kDigestA)), Limits());
    ASSERT_FALSE(parsed.ok()) << ser;
    EXPECT_TRUE(Contains(parsed.status().message(), reason)) << parsed.status().message();
  }
}

TEST(ParseStatement, InvalidIgnorePathsAreDroppedWithAWarning) {
  const std::string ser =
      R"({"method": "files", "hash_type": "sha256", "allow_symlinks": false, "ignore_paths": ["../x", "/abs/y", "ok/./z"]})";
  Result<ParsedStatement> parsed = ParseStatement(Payload(ser, OneResource("a", "sha256", kDigestA), RootOf(kDigestA)), Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->manifest.serialization.ignore_paths, std::vector<std::string>{"ok/z"});
  ASSERT_EQ(parsed->manifest.warnings.size(), 2u);
  EXPECT_TRUE(Contains(parsed->manifest.warnings[0], "\"..\""));
  EXPECT_TRUE(Contains(parsed->manifest.warnings[1], "absolute"));
}

TEST(ParseStatement, BoundsComeFirst) {
  Limits limits;
  limits.max_statement_bytes = 100;
  Result<ParsedStatement> big = ParseStatement(std::string(101, ' '), limits);
  EXPECT_EQ(big.status().code(), StatusCode::kLimitExceeded);

  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  Result<ParsedStatement> nested = ParseStatement(deep, Limits());
  EXPECT_EQ(nested.status().code(), StatusCode::kLimitExceeded);

  Limits few;
  few.max_manifest_resources = 1;
  const std::string two = R"([{"name": "a", "algorithm": "sha256", "digest": ")" + kDigestA +
                          R"("}, {"name": "b", "algorithm": "sha256", "digest": ")" + kDigestA + R"("}])";
  EXPECT_EQ(ParseStatement(Payload(kFilesSer, two, RootOf(kDigestA + kDigestA)), few).status().code(),
            StatusCode::kLimitExceeded);

  for (const std::string junk : {"", "null", "[]", "{", "{\"_type\": 1}", "\xff\xfe"}) {
    EXPECT_FALSE(ParseStatement(junk, Limits()).ok()) << junk;
  }
}

TEST(ParseStatement, LegacyDigestsPredicateOneSubjectPerFile) {
  const std::string digest_b = HexEncode(HashBytes(HashKind::kBlake2b512, "a"));
  const std::string payload =
      R"({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://model_signing/Digests/v0.1",
          "predicate": {"unused": "x"}, "subject": [
            {"name": "w/x.bin", "digest": {"sha256": ")" + digest_b + R"("}, "annotations": {"actual_hash_algorithm": "file-blake2b"}},
            {"name": "y", "digest": {"sha256": ")" + digest_b + R"("}, "annotations": {"actual_hash_algorithm": "file-blake2b"}}]})";
  Result<ParsedStatement> parsed = ParseStatement(payload, Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->predicate_type, kLegacyDigestsPredicateType);
  EXPECT_EQ(parsed->manifest.serialization.hash, HashAlgorithm::kBlake2b);
  ASSERT_EQ(parsed->manifest.resources.size(), 2u);
  EXPECT_EQ(parsed->manifest.resources[0].name, "w/x.bin");

  std::string odd = payload;
  odd.replace(odd.find("file-blake2b"), 12, "file-md5");
  Result<ParsedStatement> bad = ParseStatement(odd, Limits());
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(Contains(bad.status().message(), "file-md5"));
}

}  // namespace
}  // namespace modelgate::provenance
