// Tests for TrustedRoot::Parse on the public-good trusted_root.json and on
// damaged or oversized copies, and for the RFC 3339 reader.
#include "provenance/sigstore/trusted_root.h"

#include <gtest/gtest.h>

#include "provenance/sigstore/json_fields.h"
#include "provenance/sigstore/sigstore_test_util.h"

namespace modelgate::provenance::sigstore {
namespace {

using nlohmann::json;

Result<TrustedRoot> ParseDoc(const json& doc, const Limits& limits = Limits::Default()) {
  return TrustedRoot::Parse(doc.dump(), limits);
}

void ExpectError(const Result<TrustedRoot>& r, const std::string& needle) {
  ASSERT_FALSE(r.ok()) << "expected '" << needle << "'";
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(TrustedRoot, ParsesThePublicGoodRoot) {
  Result<TrustedRoot> root =
      TrustedRoot::Parse(testing::ReadSigstoreFixture("prod-trusted_root.json"), Limits::Default());
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  ASSERT_EQ(root->tlogs.size(), 2u);
  EXPECT_EQ(root->tlogs[0].base_url, "https://rekor.sigstore.dev");
  EXPECT_EQ(root->tlogs[0].key_details, "PKIX_ECDSA_P256_SHA_256");
  EXPECT_EQ(root->tlogs[0].key.KeyDetails(), "PKIX_ECDSA_P256_SHA_256");
  // Rekor v1's log id is the SHA-256 of its key's DER.
  EXPECT_EQ(root->tlogs[0].log_id, Sha256(root->tlogs[0].key.SpkiDer()));
  EXPECT_EQ(root->tlogs[1].key.KeyDetails(), "PKIX_ED25519");
  EXPECT_EQ(root->FindTlog(root->tlogs[1].log_id), &root->tlogs[1]);
  EXPECT_EQ(root->FindTlog("nope"), nullptr);
  ASSERT_EQ(root->certificate_authorities.size(), 2u);
  EXPECT_EQ(root->certificate_authorities[0].chain.size(), 1u);
  EXPECT_EQ(root->certificate_authorities[1].chain.size(), 2u);
  EXPECT_EQ(root->certificate_authorities[1].chain[1].SubjectText(), "CN=sigstore,O=sigstore.dev");
  // "2022-12-31T23:59:59.999Z", fraction dropped.
  ASSERT_TRUE(root->certificate_authorities[0].valid_for.end.has_value());
  EXPECT_EQ(*root->certificate_authorities[0].valid_for.end, 1672531199);
  EXPECT_FALSE(root->certificate_authorities[1].valid_for.end.has_value());
  EXPECT_EQ(root->ctlogs.size(), 2u);
  EXPECT_EQ(root->timestamp_authorities.size(), 1u);
}

TEST(TrustedRoot, RejectsDamage) {
  const json good = testing::ReadSigstoreJson("prod-trusted_root.json");
  json doc = good;
  doc["mediaType"] = "application/vnd.dev.sigstore.trustedroot+json;version=0.2";
  ExpectError(ParseDoc(doc), "trusted root: media type");
  doc = good;
  doc["tlogs"][0]["publicKey"]["rawBytes"] = "AAAA";
  ExpectError(ParseDoc(doc), "trusted root: tlogs[0].publicKey.rawBytes: public key");
  doc = good;
  doc["tlogs"][0]["publicKey"]["rawBytes"] = "not base64!";
  ExpectError(ParseDoc(doc), "tlogs[0].publicKey.rawBytes: base64");
  doc = good;
  doc["tlogs"][0].erase("logId");
  ExpectError(ParseDoc(doc), "tlogs[0].logId: missing");
  doc = good;
  doc["certificateAuthorities"][1]["certChain"]["certificates"][0]["rawBytes"] = "MAA=";
  ExpectError(ParseDoc(doc), "certificateAuthorities[1].certChain.certificates[0]: certificate");
  doc = good;
  doc["certificateAuthorities"][0]["validFor"]["start"] = "yesterday";
  ExpectError(ParseDoc(doc), "certificateAuthorities[0].validFor.start: not an RFC 3339 timestamp");
  doc = good;
  doc["ctlogs"] = json::object();
  ExpectError(ParseDoc(doc), "ctlogs: not an array");
  ExpectError(TrustedRoot::Parse("{", Limits::Default()), "trusted root: not valid JSON");
  ExpectError(TrustedRoot::Parse("[]", Limits::Default()), "trusted root.mediaType: missing");
}

TEST(TrustedRoot, EnforcesLimits) {
  const std::string text = testing::ReadSigstoreFixture("prod-trusted_root.json");
  Limits small = Limits::Default();
  small.max_trusted_root_bytes = text.size() - 1;
  ExpectError(TrustedRoot::Parse(text, small), "exceed the limit");
  Limits one_cert = Limits::Default();
  one_cert.max_certificates = 1;
  ExpectError(TrustedRoot::Parse(text, one_cert), "certificateAuthorities[1].certChain.certificates: 2 items");
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  ExpectError(TrustedRoot::Parse(deep, Limits::Default()), "nested deeper");
}

TEST(TrustedRoot, Rfc3339) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(ParseRfc3339("2021-03-07T03:20:29Z").value(), 1615087229);
  EXPECT_EQ(ParseRfc3339("2021-03-07T03:20:29.123456789Z").value(), 1615087229);
  EXPECT_EQ(ParseRfc3339("2021-03-07T05:20:29+02:00").value(), 1615087229);
  EXPECT_EQ(ParseRfc3339("2021-03-07T01:20:29-02:00").value(), 1615087229);
  for (const char* bad : {"", "2021-03-07", "2021-03-07T03:20:29", "2021-13-07T03:20:29Z", "2021-03-07T03:20:29.Z",
                          "2021-03-07T03:20:29ZZ", "2021-03-07 03:20:29Z", "2021-03-07T03:20:29+0200"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
  ValidityPeriod p{10, 20};
  EXPECT_TRUE(p.Contains(10));
  EXPECT_TRUE(p.Contains(20));
  EXPECT_FALSE(p.Contains(21));
  EXPECT_FALSE(p.Contains(9));
  EXPECT_TRUE((ValidityPeriod{10, std::nullopt}).Contains(1LL << 40));
}

}  // namespace
}  // namespace modelgate::provenance::sigstore
