#include "provenance/bundle.h"

#include <gtest/gtest.h>

#include "provenance/provenance_test_util.h"

namespace modelgate::provenance {
namespace {

using testing::Fixture;
using testing::ReadFile;

Result<Bundle> ParseFixture(const std::string& rel) { return ParseBundle(ReadFile(Fixture(rel)), Limits()); }

TEST(ParseBundle, ReadsEveryHistoricalBundle) {
  for (const char* v : {"v0.2.0", "v0.3.1", "v1.0.0", "v1.0.1", "v1.1.0"}) {
    Result<Bundle> b = ParseFixture(std::string("bundles/") + v + "-certificate/model.sig");
    ASSERT_TRUE(b.ok()) << v << ": " << b.status().message();
    EXPECT_EQ(b->material, MaterialKind::kCertificateChain) << v;
    EXPECT_EQ(b->certificates.size(), 2u) << v;
    EXPECT_EQ(b->envelope.payload_type, "application/vnd.in-toto+json");
    EXPECT_EQ(b->envelope.payload.rfind("{\n  \"_type\": \"https://in-toto.io/Statement/v1\"", 0), 0u) << v;
    ASSERT_EQ(b->envelope.signatures.size(), 1u);
  }
  for (const char* v : {"v0.3.1", "v1.0.0", "v1.0.1", "v1.1.0"}) {
    Result<Bundle> key = ParseFixture(std::string("bundles/") + v + "-elliptic-key/model.sig");
    ASSERT_TRUE(key.ok()) << v << ": " << key.status().message();
    EXPECT_EQ(key->material, MaterialKind::kPublicKey);
    Result<Bundle> keyless = ParseFixture(std::string("bundles/") + v + "-sigstore/model.sig");
    ASSERT_TRUE(keyless.ok()) << v << ": " << keyless.status().message();
    EXPECT_EQ(keyless->material, MaterialKind::kCertificate);
    EXPECT_EQ(keyless->tlog_entries.size(), 1u);
  }
  Result<Bundle> old_key = ParseFixture("bundles/v1.0.1-elliptic-key/model.sig");
  EXPECT_EQ(old_key->public_key_raw_bytes.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  EXPECT_EQ(old_key->public_key_details, "PKIX_ECDSA_P384_SHA_384");
  Result<Bundle> new_key = ParseFixture("bundles/v1.1.0-elliptic-key/model.sig");
  EXPECT_EQ(new_key->public_key_hint, "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e");
  EXPECT_TRUE(new_key->has_tlog_entries);
  EXPECT_EQ(new_key->envelope.signatures[0].keyid, "");
  EXPECT_FALSE(old_key->envelope.signatures[0].keyid.has_value());  // null
}

TEST(ParseBundle, RejectsTheInvalidSpecVectorsWithAReason) {
  struct Case {
    const char* file;
    const char* reason;
  } cases[] = {
      {"oms-spec-vectors/invalid/empty.bundle.json", "bundle: empty"},
      {"oms-spec-vectors/invalid/missing-envelope.bundle.json", "no dsseEnvelope"},
      {"oms-spec-vectors/invalid/missing-verification-material.bundle.json", "no verificationMaterial"},
      {"oms-spec-vectors/invalid/missing-tlog-entries.bundle.json", "tlogEntries missing"},
  };
  for (const Case& c : cases) {
    Result<Bundle> b = ParseFixture(c.file);
    ASSERT_FALSE(b.ok()) << c.file;
    EXPECT_NE(b.status().message().find(c.reason), std::string::npos) << c.file << ": " << b.status().message();
  }
}

TEST(ParseBundle, AcceptsEveryBundleMediaTypeSpelling) {
  std::string text = ReadFile(Fixture("bundles/v1.1.0-elliptic-key/model.sig"));
  const std::string v03(kBundleMediaTypeV03);
  for (const char* media :
       {"application/vnd.dev.sigstore.bundle+json;version=0.1", "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.3"}) {
    std::string t = text;
    t.replace(t.find(v03), v03.size(), media);
    Result<Bundle> b = ParseBundle(t, Limits());
    ASSERT_TRUE(b.ok()) << media << ": " << b.status().message();
    EXPECT_EQ(b->media_type, media);
  }
  std::string bad = text;
  bad.replace(bad.find(v03), v03.size(), "application/vnd.dev.sigstore.bundle.v0.4+json");
  Result<Bundle> b = ParseBundle(bad, Limits());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("unsupported mediaType"), std::string::npos);
}

TEST(ParseBundle, RefusesHostileShapes) {
  Limits limits;
  EXPECT_EQ(ParseBundle(std::string(2000, '['), limits).status().code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(ParseBundle("{\"mediaType\":", limits).status().message(), "bundle: not valid JSON");
  EXPECT_EQ(ParseBundle("[1]", limits).status().message(), "bundle: not a JSON object");
  limits.max_bundle_bytes = 10;
  EXPECT_EQ(ParseBundle(std::string(11, ' '), limits).status().code(), StatusCode::kLimitExceeded);

  const std::string both = R"({"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
      "verificationMaterial":{"publicKey":{"hint":"x"},"certificate":{"rawBytes":"AAAA"}},
      "dsseEnvelope":{"payload":"e30=","payloadType":"t","signatures":[]}})";
  EXPECT_NE(ParseBundle(both, Limits()).status().message().find("exactly one of"), std::string::npos);
  const std::string message_sig = R"({"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
      "verificationMaterial":{"publicKey":{"hint":"x"}},"messageSignature":{}})";
  EXPECT_EQ(ParseBundle(message_sig, Limits()).status().code(), StatusCode::kNotSupported);
  std::string many = R"({"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
      "verificationMaterial":{"x509CertificateChain":{"certificates":[)";
  for (int i = 0; i < 40; ++i) many += std::string(i ? "," : "") + R"({"rawBytes":"AAAA"})";
  many += R"(]}},"dsseEnvelope":{"payload":"e30=","payloadType":"t","signatures":[]}})";
  EXPECT_EQ(ParseBundle(many, Limits()).status().code(), StatusCode::kLimitExceeded);
}

// model_signing 1.1.0's hint for the reference test key, and its exact
// key-method layout.
TEST(WriteBundle, KeyAndCertificateBundlesMatchModelSigning110) {
  Result<PrivateKey> key = PrivateKey::FromPem(ReadFile(Fixture("keys/signing-key.pem")));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(PublicKeyHint(key->Public()), "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e");

  const Result<Bundle> ref = ParseFixture("bundles/v1.1.0-elliptic-key/model.sig");
  ASSERT_TRUE(ref.ok());
  // Re-writing the reference envelope with the reference key reproduces the
  // reference file byte for byte.
  EXPECT_EQ(WriteKeyBundle(ref->envelope, key->Public()), ReadFile(Fixture("bundles/v1.1.0-elliptic-key/model.sig")));

  const Result<Bundle> ref_cert = ParseFixture("bundles/v1.1.0-certificate/model.sig");
  ASSERT_TRUE(ref_cert.ok());
  std::vector<Certificate> chain;
  for (const std::string& der : ref_cert->certificates) {
    Result<Certificate> c = Certificate::FromDer(der);
    ASSERT_TRUE(c.ok());
    chain.push_back(c.value());
  }
  EXPECT_EQ(WriteCertificateBundle(ref_cert->envelope, chain),
            ReadFile(Fixture("bundles/v1.1.0-certificate/model.sig")));
}

}  // namespace
}  // namespace modelgate::provenance
