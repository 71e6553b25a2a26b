#include "provenance/dsse.h"

#include <gtest/gtest.h>

#include "provenance/bundle.h"
#include "provenance/provenance_test_util.h"

namespace modelgate::provenance {
namespace {

// Expected strings are CPython 3.11's repr() output for the same bytes.
TEST(PythonBytesRepr, EscapesLikeCPython) {
  EXPECT_EQ(PythonBytesRepr(""), "b''");
  EXPECT_EQ(PythonBytesRepr("it's"), "b\"it's\"");
  const std::string mixed("a'b\"c\\\t\n\r\x00\x7f\x80\xff", 13);
  EXPECT_EQ(PythonBytesRepr(mixed), R"(b'a\'b"c\\\t\n\r\x00\x7f\x80\xff')");
  EXPECT_EQ(PythonBytesRepr("{\n  \"a\": 1\n}"), R"(b'{\n  "a": 1\n}')");
}

TEST(PreAuthEncoding, FollowsDsseV1) {
  EXPECT_EQ(PreAuthEncoding("foo", "bar"), "DSSEv1 3 foo 3 bar");
  EXPECT_EQ(PreAuthEncoding("application/vnd.in-toto+json", "{}"), "DSSEv1 28 application/vnd.in-toto+json 2 {}");
  EXPECT_EQ(PreAuthEncoding("", ""), "DSSEv1 0  0 ");
}

TEST(LegacyPreAuthEncoding, IsModelSigning020sEncoding) {
  // f"DSSEV1 {len(t)} {t} {len(p)} {p}" with p = b'{\n}'.
  EXPECT_EQ(LegacyPreAuthEncoding("application/vnd.in-toto+json", "{\n}"),
            R"(DSSEV1 28 application/vnd.in-toto+json 3 b'{\n}')");
}

TEST(DsseFromJson, ReadsEnvelopeAndKeyidVariants) {
  const auto doc = nlohmann::json::parse(R"({"payload":"e30=","payloadType":"t",
      "signatures":[{"sig":"AAEC"},{"sig":"AAEC","keyid":null},{"sig":"AAEC","keyid":""},{"sig":"-_8","keyid":"k"}]})");
  Result<DsseEnvelope> env = DsseFromJson(doc, 1024);
  ASSERT_TRUE(env.ok()) << env.status().message();
  EXPECT_EQ(env->payload, "{}");
  EXPECT_EQ(env->payload_type, "t");
  ASSERT_EQ(env->signatures.size(), 4u);
  EXPECT_EQ(env->signatures[0].sig, std::string("\x00\x01\x02", 3));
  EXPECT_FALSE(env->signatures[0].keyid.has_value());
  EXPECT_FALSE(env->signatures[1].keyid.has_value());
  EXPECT_EQ(env->signatures[2].keyid, "");
  EXPECT_EQ(env->signatures[3].sig, "\xfb\xff");  // URL-safe, unpadded
  EXPECT_EQ(env->signatures[3].keyid, "k");
}

TEST(DsseFromJson, NamesWhatIsMissing) {
  auto err = [](const char* text) {
    Result<DsseEnvelope> env = DsseFromJson(nlohmann::json::parse(text), 1024);
    return env.ok() ? std::string("ok") : env.status().message();
  };
  EXPECT_NE(err(R"({"payloadType":"t","signatures":[]})").find("dsseEnvelope.payload"), std::string::npos);
  EXPECT_NE(err(R"({"payload":"e30=","signatures":[]})").find("dsseEnvelope.payloadType"), std::string::npos);
  EXPECT_NE(err(R"({"payload":"e30=","payloadType":"t"})").find("dsseEnvelope.signatures"), std::string::npos);
  EXPECT_NE(err(R"({"payload":"!!!","payloadType":"t","signatures":[]})").find("not base64"), std::string::npos);
  EXPECT_NE(err(R"({"payload":"e30=","payloadType":"t","signatures":[{}]})").find("signatures[0].sig"),
            std::string::npos);
  EXPECT_NE(err(R"([])").find("not an object"), std::string::npos);
}

TEST(DsseFromJson, BoundsThePayload) {
  const std::string big(4000, 'A');
  const auto doc = nlohmann::json{{"payload", big}, {"payloadType", "t"}, {"signatures", nlohmann::json::array()}};
  Result<DsseEnvelope> env = DsseFromJson(doc, 100);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), StatusCode::kLimitExceeded);
}

TEST(DsseToJson, WritesModelSigningKeyOrder) {
  DsseEnvelope env{"application/vnd.in-toto+json", "{}", {{std::string("\x01\x02", 2), std::string()}}};
  EXPECT_EQ(
      DsseToJson(env).dump(),
      R"({"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AQI=","keyid":""}]})");
}

// Every historical key and certificate signature verifies over the payload
// as decoded; only 0.2.0's needs the legacy encoding, and only as a fallback.
TEST(VerifyDsse, VerifiesEveryHistoricalSignature) {
  using testing::Fixture;
  using testing::ReadFile;
  Result<PublicKey> ref_key = PublicKey::FromPem(ReadFile(Fixture("keys/signing-key-pub.pem")));
  ASSERT_TRUE(ref_key.ok()) << ref_key.status().message();
  for (const char* dir :
       {"v0.2.0-certificate", "v0.3.1-certificate", "v1.0.0-certificate", "v1.0.1-certificate", "v1.1.0-certificate",
        "v0.3.1-elliptic-key", "v1.0.0-elliptic-key", "v1.0.1-elliptic-key", "v1.1.0-elliptic-key"}) {
    Result<Bundle> b = ParseBundle(ReadFile(Fixture(std::string("bundles/") + dir + "/model.sig")), Limits());
    ASSERT_TRUE(b.ok()) << dir << ": " << b.status().message();
    PublicKey key = ref_key.value();
    if (!b->certificates.empty()) {
      Result<Certificate> leaf = Certificate::FromDer(b->certificates[0]);
      ASSERT_TRUE(leaf.ok()) << dir;
      key = leaf->Key();
    }
    Result<DsseEncoding> enc = VerifyDsse(b->envelope, key, /*allow_legacy=*/true);
    ASSERT_TRUE(enc.ok()) << dir << ": " << enc.status().message();
    EXPECT_EQ(enc.value(),
              std::string(dir) == "v0.2.0-certificate" ? DsseEncoding::kLegacy020 : DsseEncoding::kStandard)
        << dir;
    if (enc.value() == DsseEncoding::kLegacy020) {
      EXPECT_FALSE(VerifyDsse(b->envelope, key, /*allow_legacy=*/false).ok());
    }
    DsseEnvelope tampered = b->envelope;
    tampered.payload.back() = static_cast<char>(tampered.payload.back() ^ 0x20);
    Result<DsseEncoding> bad = VerifyDsse(tampered, key, true);
    ASSERT_FALSE(bad.ok()) << dir;
    EXPECT_NE(bad.status().message().find("does not verify"), std::string::npos);
  }
}

TEST(SignDsse, SignsWhatVerifyDsseAccepts) {
  using testing::Fixture;
  using testing::ReadFile;
  Result<PrivateKey> key = PrivateKey::FromPem(ReadFile(Fixture("signing/p521.pem")));
  ASSERT_TRUE(key.ok()) << key.status().message();
  Result<DsseEnvelope> env = SignDsse("application/x-test", "any payload \x00", key.value());
  ASSERT_TRUE(env.ok());
  ASSERT_EQ(env->signatures.size(), 1u);
  EXPECT_EQ(env->signatures[0].keyid, "");
  Result<DsseEncoding> ok = VerifyDsse(env.value(), key->Public(), false);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok.value(), DsseEncoding::kStandard);
  env->payload_type = "application/x-other";  // the type is authenticated too
  EXPECT_FALSE(VerifyDsse(env.value(), key->Public(), true).ok());
  DsseEnvelope none;
  EXPECT_NE(VerifyDsse(none, key->Public(), true).status().message().find("no signatures"), std::string::npos);
}

}  // namespace
}  // namespace modelgate::provenance
