// Gate attestation statements: what is written is what is read back, the
// verdict follows the threshold, and forged statements are refused.
#include "provenance/attestation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "provenance/reference_models_testing.h"

namespace modelgate::provenance {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFile;

Finding MakeFinding(std::string id, Severity s, std::string path) {
  Finding f;
  f.id = std::move(id);
  f.severity = s;
  f.path = std::move(path);
  return f;
}

class GateStatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "my-model";
    WriteFile(root_ / "model.safetensors", "weights");
    WriteFile(root_ / "sub" / "config.json", "{}");
    Result<Manifest> m = BuildManifest(root_, SerializationOptions{});
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    facts_.manifest = std::move(m).value();
    FileReport file;
    file.path = (root_ / "sub" / "config.json").string();
    file.findings.push_back(MakeFinding("REPO-REMOTE-CODE", Severity::kMedium, file.path));
    file.findings.push_back(MakeFinding("FILE-FORMAT", Severity::kInfo, file.path));
    report_.files.push_back(file);
    facts_.scan = &report_;
    facts_.model_root = root_.string();
    facts_.checked_at = "2026-11-22T05:00:00Z";
  }

  Result<ParsedAttestation> RoundTrip() { return ParseGateStatement(GateStatementJson(facts_), Limits{}); }

  TempDir dir_;
  fs::path root_;
  ScanReport report_;
  GateFacts facts_;
};

TEST_F(GateStatementTest, RoundTripKeepsSubjectManifestAndScanFacts) {
  facts_.bom = BomReference{"ab12", "urn:uuid:0000"};
  Result<ParsedAttestation> parsed = RoundTrip();
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->model_name, "my-model");
  EXPECT_EQ(parsed->subject_digest, facts_.manifest.RootDigest());
  ASSERT_EQ(parsed->manifest.resources.size(), 2u);
  EXPECT_EQ(parsed->manifest.resources[0].name, "model.safetensors");
  EXPECT_EQ(parsed->manifest.resources[1].name, "sub/config.json");
  EXPECT_EQ(parsed->manifest.resources[1].digest, facts_.manifest.resources[1].digest);
  EXPECT_EQ(parsed->checked_at, "2026-11-22T05:00:00Z");
  EXPECT_EQ(parsed->tool_version, MODELGATE_VERSION);
  EXPECT_EQ(parsed->counts[static_cast<int>(Severity::kMedium)], 1u);
  EXPECT_EQ(parsed->counts[static_cast<int>(Severity::kInfo)], 1u);
  ASSERT_TRUE(parsed->bom.has_value());
  EXPECT_EQ(parsed->bom->serial_number, "urn:uuid:0000");
}

TEST_F(GateStatementTest, ListsFindingsFromLowWithPathsRelativeToTheModel) {
  nlohmann::json doc = nlohmann::json::parse(GateStatementJson(facts_));
  const nlohmann::json& findings = doc["predicate"]["scan"]["findings"];
  ASSERT_EQ(findings.size(), 1u);  // the info finding is counted, not listed
  EXPECT_EQ(findings[0]["id"], "REPO-REMOTE-CODE");
  EXPECT_EQ(findings[0]["path"], "sub/config.json");
  EXPECT_EQ(doc["predicateType"], std::string(kGatePredicateType));
}

TEST_F(GateStatementTest, VerdictFollowsTheThreshold) {
  facts_.fail_on = Severity::kHigh;
  EXPECT_EQ(RoundTrip()->verdict, "pass");
  facts_.fail_on = Severity::kMedium;
  EXPECT_EQ(RoundTrip()->verdict, "fail");
  EXPECT_EQ(RoundTrip()->fail_on, "medium");
  report_.files.clear();
  facts_.fail_on = Severity::kInfo;
  EXPECT_EQ(RoundTrip()->verdict, "pass");  // nothing at all was found
}

TEST_F(GateStatementTest, SubjectThatIsNotTheRootOfTheResourcesIsRefused) {
  nlohmann::json doc = nlohmann::json::parse(GateStatementJson(facts_));
  doc["predicate"]["model"]["resources"][0]["digest"] = std::string(64, '0');
  Result<ParsedAttestation> parsed = ParseGateStatement(doc.dump(), Limits{});
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("not the root digest"), std::string::npos) << parsed.status().message();
}

TEST_F(GateStatementTest, OtherPredicateTypesAreRefusedByName) {
  nlohmann::json doc = nlohmann::json::parse(GateStatementJson(facts_));
  doc["predicateType"] = "https://model_signing/signature/v1.0";
  Result<ParsedAttestation> parsed = ParseGateStatement(doc.dump(), Limits{});
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("https://model_signing/signature/v1.0"), std::string::npos);
}

TEST(GateStatementParse, HostileInputIsBounded) {
  std::string deep(100000, '[');
  EXPECT_EQ(ParseGateStatement(deep, Limits{}).status().code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(ParseGateStatement("not json", Limits{}).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseGateStatement("{}", Limits{}).status().code(), StatusCode::kCorruption);
  // Regression (attestation_fuzzer): shards without shard_size was read
  // through const operator[] past the object.
  EXPECT_EQ(ParseGateStatement(R"({"predicateType": "https://modelgate.dev/attestation/gate/v1",
      "subject": [{"name": "m", "digest": {"sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}],
      "predicate": {"model": {"serialization": {"method": "shards", "hash_type": "sha256"}, "resources": []}}})",
                               Limits{})
                .status()
                .code(),
            StatusCode::kCorruption);
  Limits small;
  small.max_statement_bytes = 4;
  EXPECT_EQ(ParseGateStatement("{\"a\":1}", small).status().code(), StatusCode::kLimitExceeded);
}

// The fuzzer's seeds are real statements (written independently, in Python):
// each must be accepted, so the fuzzer starts from deep inside the parser.
TEST(GateStatementParse, FuzzSeedsAreAccepted) {
  const fs::path dir = fs::path(MODELGATE_SOURCE_DIR) / "fuzz/corpus/attestation_fuzzer";
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    Result<ParsedAttestation> parsed = ParseGateStatement(testing::ReadFile(entry.path()), Limits{});
    EXPECT_TRUE(parsed.ok()) << entry.path() << ": " << parsed.status().ToString();
    ++seen;
  }
  EXPECT_GE(seen, 4);
}

}  // namespace
}  // namespace modelgate::provenance
