// For every historical bundle of the reference implementation (0.2.0 ...
// 1.1.0) and the OMS spec's test vectors: our manifest of the signed model
// files, built with the serialization the payload records, equals the
// payload's resources (same names, order, algorithms and digests).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "provenance/crypto.h"
#include "provenance/manifest.h"
#include "provenance/reference_models_testing.h"
#include "provenance/statement.h"

namespace modelgate::provenance {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;

const fs::path kFixtures = fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/provenance";

std::string PayloadOf(const fs::path& bundle) {
  const auto doc = nlohmann::json::parse(ReadFile(bundle));
  return DecodeBase64(doc.at("dsseEnvelope").at("payload").get<std::string>()).value();
}

struct BundleCase {
  std::string bundle;     // relative to kFixtures
  std::string model_dir;  // relative to kFixtures
  std::string predicate_type;
  std::size_t resources;
};

std::vector<BundleCase> AllBundles() {
  std::vector<BundleCase> cases;
  for (const char* v : {"v0.3.1", "v1.0.0", "v1.0.1", "v1.1.0"}) {
    for (const char* method : {"certificate", "elliptic-key", "sigstore"}) {
      const std::string dir = std::string("bundles/") + v + "-" + method;
      cases.push_back({dir + "/model.sig", dir, std::string(kOmsPredicateType), 2});
    }
  }
  for (BundleCase& c : cases) {
    // v0.3.1 and v1.0.0 elliptic-key bundles sign the single file signme-1.
    if (c.bundle.find("elliptic-key") != std::string::npos &&
        (c.bundle.find("v0.3.1") != std::string::npos || c.bundle.find("v1.0.0") != std::string::npos)) {
      c.resources = 1;
    }
  }
  cases.push_back({"bundles/v0.2.0-certificate/model.sig", "bundles/v0.2.0-certificate",
                   std::string(kLegacyDigestsPredicateType), 2});
  for (const char* v : {"valid/key", "valid/certificate", "valid/sigstore"}) {
    cases.push_back({std::string("oms-spec-vectors/") + v + ".bundle.json",
                     std::string(v) == "valid/sigstore" ? "bundles/v1.1.0-sigstore" : "bundles/v1.1.0-elliptic-key",
                     std::string(kOmsPredicateType), 2});
  }
  return cases;
}

class HistoricalBundleTest : public ::testing::TestWithParam<BundleCase> {};

TEST_P(HistoricalBundleTest, OurManifestEqualsTheSignedResources) {
  const BundleCase& c = GetParam();
  Result<ParsedStatement> parsed = ParseStatement(PayloadOf(kFixtures / c.bundle), Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->predicate_type, c.predicate_type);
  const Manifest& signed_manifest = parsed->manifest;
  ASSERT_EQ(signed_manifest.resources.size(), c.resources);

  SerializationOptions options = signed_manifest.serialization;
  fs::path model = kFixtures / c.model_dir;
  if (signed_manifest.resources[0].name == ".") {
    model /= "signme-1";  // a single-file model
  } else {
    // The caller excludes the signature file; v1.0.1 excluded ignore-me
    // without recording it (ignore_paths is recorded from v1.1.0 on).
    options.ignore_paths.push_back("model.sig");
    options.ignore_paths.push_back("ignore-me");
  }
  Result<Manifest> ours = BuildManifest(model, options);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  ASSERT_EQ(ours->resources.size(), signed_manifest.resources.size());
  for (std::size_t i = 0; i < ours->resources.size(); ++i) {
    EXPECT_EQ(ours->resources[i].name, signed_manifest.resources[i].name);
    EXPECT_EQ(ours->resources[i].algorithm, signed_manifest.resources[i].algorithm);
    EXPECT_EQ(ToHex(ours->resources[i].digest), ToHex(signed_manifest.resources[i].digest));
  }
  EXPECT_TRUE(CompareManifests(signed_manifest, ours.value()).empty());
  if (c.predicate_type == kOmsPredicateType) {
    EXPECT_EQ(ours->RootDigest(), parsed->subject_digest);
  }
}

TEST_P(HistoricalBundleTest, TamperedModelCopyNamesTheChangedFile) {
  const BundleCase& c = GetParam();
  Result<ParsedStatement> parsed = ParseStatement(PayloadOf(kFixtures / c.bundle), Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  testing::TempDir dir;
  const fs::path copy = dir.path() / "model";
  fs::copy(kFixtures / c.model_dir, copy, fs::copy_options::recursive);
  std::string bytes = ReadFile(copy / "signme-1");
  bytes[0] = static_cast<char>(bytes[0] ^ 0x20);
  testing::WriteFile(copy / "signme-1", bytes);

  SerializationOptions options = parsed->manifest.serialization;
  fs::path model = copy;
  std::string expected = "signme-1";
  if (parsed->manifest.resources[0].name == ".") {
    model /= "signme-1";
    expected = ".";
  } else {
    options.ignore_paths = {"model.sig", "ignore-me"};
  }
  Result<Manifest> ours = BuildManifest(model, options);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  ManifestDifference d = CompareManifests(parsed->manifest, ours.value());
  EXPECT_EQ(d.changed, std::vector<std::string>{expected});
  EXPECT_TRUE(d.added.empty());
  EXPECT_TRUE(d.missing.empty());
}

INSTANTIATE_TEST_SUITE_P(ReferenceVersions, HistoricalBundleTest, ::testing::ValuesIn(AllBundles()),
                         [](const ::testing::TestParamInfo<BundleCase>& info) {
                           std::string name = info.param.bundle;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(SpecVectors, WrongPredicateTypeIsRefusedByName) {
  Result<ParsedStatement> parsed =
      ParseStatement(PayloadOf(kFixtures / "oms-spec-vectors/invalid-payload/wrong-predicate.bundle.json"), Limits());
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("https://example.com/wrong-predicate/v1.0"), std::string::npos)
      << parsed.status().message();
}

}  // namespace
}  // namespace modelgate::provenance
