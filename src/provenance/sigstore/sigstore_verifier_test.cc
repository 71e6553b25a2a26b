// Tests for VerifySigstoreEvidence on real keyless bundles written by the
// released model_signing versions (tests/fixtures/provenance/sigstore), each
// verified offline against the public-good trusted root, and on tampered
// copies of them: every tamper must fail with a message naming the check.
#include "provenance/sigstore/sigstore_verifier.h"

#include <gtest/gtest.h>

#include <string>

#include "provenance/sigstore/json_fields.h"
#include "provenance/sigstore/sigstore_test_util.h"

namespace modelgate::provenance::sigstore {
namespace {

using nlohmann::json;
using testing::ReadSigstoreFixture;
using testing::ReadSigstoreJson;

const IdentityPolicy kPolicy{"stefanb@us.ibm.com", "https://sigstore.verify.ibm.com/oauth2"};

TrustedRoot ProdRoot() {
  Result<TrustedRoot> root = TrustedRoot::Parse(ReadSigstoreFixture("prod-trusted_root.json"), Limits::Default());
  EXPECT_TRUE(root.ok()) << root.status().ToString();
  return root.ok() ? std::move(root).value() : TrustedRoot{};
}

TrustedRoot RootFrom(const json& doc) {
  Result<TrustedRoot> root = TrustedRoot::Parse(doc.dump(), Limits::Default());
  EXPECT_TRUE(root.ok()) << root.status().ToString();
  return root.ok() ? std::move(root).value() : TrustedRoot{};
}

// Verifies `bundle` against its own envelope.
Status Verify(const json& bundle, const TrustedRoot& root, const IdentityPolicy& policy = kPolicy) {
  Result<DsseView> view = DsseViewFromBundle(bundle, Limits::Default());
  if (!view.ok()) return view.status();
  Result<Certificate> leaf = VerifySigstoreEvidence(bundle, root, policy, view.value(), Limits::Default());
  return leaf.status();
}

// Expects failure with `needle` in the message.
void ExpectFailure(const Status& st, const std::string& needle) {
  ASSERT_FALSE(st.ok()) << "expected a failure mentioning '" << needle << "'";
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
}

// Flips one bit of the base64 field `*field` (decoded byte `offset`, from the end when negative).
void FlipBase64Bit(json* field, long offset) {
  std::string raw = DecodeBase64(field->get<std::string>()).value();
  ASSERT_FALSE(raw.empty());
  std::size_t at = offset >= 0 ? static_cast<std::size_t>(offset) : raw.size() - static_cast<std::size_t>(-offset);
  raw[at] ^= 0x01;
  *field = EncodeBase64(raw);
}

json& Entry(json& bundle) { return bundle["verificationMaterial"]["tlogEntries"][0]; }

const char* const kValidBundles[] = {"v0.3.1-sigstore.model.sig", "v1.0.0-sigstore.model.sig",
                                     "v1.0.1-sigstore.model.sig", "v1.1.0-sigstore.model.sig",
                                     "spec-valid-sigstore.bundle.json"};

class ValidSigstoreBundle : public ::testing::TestWithParam<const char*> {};

TEST_P(ValidSigstoreBundle, VerifiesOfflineAndItsDsseSignatureVerifiesWithTheLeafKey) {
  json bundle = ReadSigstoreJson(GetParam());
  ASSERT_FALSE(bundle.is_discarded());
  TrustedRoot root = ProdRoot();
  Result<DsseView> view = DsseViewFromBundle(bundle, Limits::Default());
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->payload_type, "application/vnd.in-toto+json");
  Result<Certificate> leaf = VerifySigstoreEvidence(bundle, root, kPolicy, view.value(), Limits::Default());
  ASSERT_TRUE(leaf.ok()) << leaf.status().ToString();
  EXPECT_EQ(leaf->SubjectAlternativeNames(), std::vector<std::string>{"stefanb@us.ibm.com"});
  // What the caller does next: the DSSE signature over the PAE, with the leaf key.
  const std::string pae = "DSSEv1 " + std::to_string(view->payload_type.size()) + " " + view->payload_type + " " +
                          std::to_string(view->payload.size()) + " " + view->payload;
  PublicKey key = leaf->Key();
  EXPECT_TRUE(key.Verify(pae, view->signature, key.DefaultDigest()).ok());
  std::string tampered = pae;
  tampered.back() ^= 1;
  EXPECT_FALSE(key.Verify(tampered, view->signature, key.DefaultDigest()).ok());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ValidSigstoreBundle, ::testing::ValuesIn(kValidBundles));

class TamperedSigstoreBundle : public ::testing::Test {
 protected:
  json bundle_ = ReadSigstoreJson("v1.1.0-sigstore.model.sig");
  TrustedRoot root_ = ProdRoot();
};

TEST_F(TamperedSigstoreBundle, WrongSanFails) {
  ExpectFailure(Verify(bundle_, root_, {"mallory@example.com", kPolicy.issuer}),
                "identity: SAN 'stefanb@us.ibm.com' does not match the expected 'mallory@example.com'");
}

TEST_F(TamperedSigstoreBundle, WrongIssuerFails) {
  ExpectFailure(Verify(bundle_, root_, {kPolicy.san, "https://accounts.google.com"}),
                "identity: issuer 'https://sigstore.verify.ibm.com/oauth2' does not match");
  // Exact comparison: a trailing slash is another issuer.
  ExpectFailure(Verify(bundle_, root_, {kPolicy.san, kPolicy.issuer + "/"}), "identity: issuer");
}

TEST_F(TamperedSigstoreBundle, FlippedSignedEntryTimestampFails) {
  FlipBase64Bit(&Entry(bundle_)["inclusionPromise"]["signedEntryTimestamp"], -3);
  ExpectFailure(Verify(bundle_, root_), "signed entry timestamp: does not verify");
}

TEST_F(TamperedSigstoreBundle, ChangedIntegratedTimeOrLogIndexFailsTheSignedEntryTimestamp) {
  json other = bundle_;
  Entry(bundle_)["integratedTime"] = std::to_string(std::stoll(Entry(bundle_)["integratedTime"].get<std::string>()) - 1);
  ExpectFailure(Verify(bundle_, root_), "signed entry timestamp: does not verify");
  Entry(other)["logIndex"] = std::to_string(std::stoll(Entry(other)["logIndex"].get<std::string>()) + 1);
  ExpectFailure(Verify(other, root_), "signed entry timestamp: does not verify");
}

TEST_F(TamperedSigstoreBundle, MissingSignedEntryTimestampFails) {
  Entry(bundle_).erase("inclusionPromise");
  ExpectFailure(Verify(bundle_, root_), "signed entry timestamp: missing");
}

TEST_F(TamperedSigstoreBundle, FlippedBodyFails) {
  FlipBase64Bit(&Entry(bundle_)["canonicalizedBody"], 40);
  ExpectFailure(Verify(bundle_, root_), "signed entry timestamp: does not verify");
}

TEST_F(TamperedSigstoreBundle, FlippedInclusionProofHashFails) {
  FlipBase64Bit(&Entry(bundle_)["inclusionProof"]["hashes"][0], 0);
  ExpectFailure(Verify(bundle_, root_), "inclusion proof: computed root hash");
}

TEST_F(TamperedSigstoreBundle, FlippedInclusionProofRootHashFails) {
  FlipBase64Bit(&Entry(bundle_)["inclusionProof"]["rootHash"], 5);
  ExpectFailure(Verify(bundle_, root_), "inclusion proof: computed root hash");
}

TEST_F(TamperedSigstoreBundle, ShortenedInclusionProofFails) {
  Entry(bundle_)["inclusionProof"]["hashes"].erase(0);
  ExpectFailure(Verify(bundle_, root_), "inclusion proof: 13 hashes where the tree needs 14");
}

TEST_F(TamperedSigstoreBundle, MissingInclusionProofFailsFromV02) {
  Entry(bundle_).erase("inclusionProof");
  ExpectFailure(Verify(bundle_, root_), "inclusion proof: missing");
}

TEST_F(TamperedSigstoreBundle, FlippedCheckpointSignatureFails) {
  json& envelope = Entry(bundle_)["inclusionProof"]["checkpoint"]["envelope"];
  std::string note = envelope.get<std::string>();
  std::size_t dash = note.find("\xE2\x80\x94 rekor.sigstore.dev ");
  ASSERT_NE(dash, std::string::npos);
  std::size_t b64 = note.find(' ', dash + 4) + 1;
  std::size_t end = note.find('\n', b64);
  json sig = note.substr(b64, end - b64);
  FlipBase64Bit(&sig, -2);
  envelope = note.substr(0, b64) + sig.get<std::string>() + note.substr(end);
  ExpectFailure(Verify(bundle_, root_), "checkpoint: signature by log c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d does not verify");
}

TEST_F(TamperedSigstoreBundle, CheckpointForAnotherTreeFails) {
  json& envelope = Entry(bundle_)["inclusionProof"]["checkpoint"]["envelope"];
  std::string note = envelope.get<std::string>();
  std::size_t nl = note.find('\n');
  note[nl + 1] = note[nl + 1] == '9' ? '8' : '9';  // first digit of the tree size
  envelope = note;
  ExpectFailure(Verify(bundle_, root_), "checkpoint: signature by log");
}

TEST_F(TamperedSigstoreBundle, FlippedCertificateFails) {
  FlipBase64Bit(&bundle_["verificationMaterial"]["certificate"]["rawBytes"], -5);  // inside the CA's signature
  ExpectFailure(Verify(bundle_, root_), "certificate chain: certificate signature failure");
}

TEST_F(TamperedSigstoreBundle, TrustedRootWithoutTheRekorKeyFails) {
  json doc = ReadSigstoreJson("prod-trusted_root.json");
  doc["tlogs"].erase(0);  // rekor.sigstore.dev
  ExpectFailure(Verify(bundle_, RootFrom(doc)),
                "tlog entry: log id c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d is not a Rekor "
                "log of the trusted root");
}

TEST_F(TamperedSigstoreBundle, TrustedRootWhoseRekorKeyIsNotYetValidFails) {
  json doc = ReadSigstoreJson("prod-trusted_root.json");
  doc["tlogs"][0]["publicKey"]["validFor"]["start"] = "2025-12-01T00:00:00Z";
  ExpectFailure(Verify(bundle_, RootFrom(doc)), "is not valid at integratedTime 2025-10-10T02:12:20Z");
}

TEST_F(TamperedSigstoreBundle, TrustedRootWithoutAValidFulcioCaFails) {
  json doc = ReadSigstoreJson("prod-trusted_root.json");
  doc["certificateAuthorities"][1]["validFor"]["end"] = "2025-01-01T00:00:00Z";
  ExpectFailure(Verify(bundle_, RootFrom(doc)), "certificate chain: no Fulcio CA of the trusted root is valid at");
  json no_ca = ReadSigstoreJson("prod-trusted_root.json");
  no_ca["certificateAuthorities"] = json::array();
  ExpectFailure(Verify(bundle_, RootFrom(no_ca)), "certificate chain: no Fulcio CA");
}

TEST_F(TamperedSigstoreBundle, TrustedRootWithOnlyTheFulcioIntermediateFails) {
  // The intermediate alone is not a trust anchor (no partial chains).
  json doc = ReadSigstoreJson("prod-trusted_root.json");
  doc["certificateAuthorities"][1]["certChain"]["certificates"].erase(1);
  ExpectFailure(Verify(bundle_, RootFrom(doc)), "certificate chain: ");
}

TEST_F(TamperedSigstoreBundle, TrustedRootWithoutTheCtLogFails) {
  json doc = ReadSigstoreJson("prod-trusted_root.json");
  doc["ctlogs"] = json::array();
  ExpectFailure(Verify(bundle_, RootFrom(doc)), "certificate transparency: no SCT from a CT log of the trusted root");
}

TEST_F(TamperedSigstoreBundle, SctThatDoesNotVerifyFails) {
  // The CT log's id with another P-256 key (Rekor's): the SCT signature cannot verify.
  json doc = ReadSigstoreJson("prod-trusted_root.json");
  doc["ctlogs"][1]["publicKey"]["rawBytes"] = doc["tlogs"][0]["publicKey"]["rawBytes"];
  ExpectFailure(Verify(bundle_, RootFrom(doc)),
                "certificate transparency: SCT of log dd3d306ac6c7113263191e1c99673702a24a5eb8de3cadff878a72802f29ee8e "
                "does not verify");
}

TEST(EmbeddedScts, FulcioLeafCarriesOneSctOfTheSigstoreCtLog) {
  json bundle = ReadSigstoreJson("v1.1.0-sigstore.model.sig");
  TrustedRoot root = ProdRoot();
  Result<Certificate> leaf = Certificate::FromDer(
      DecodeBase64(bundle["verificationMaterial"]["certificate"]["rawBytes"].get<std::string>()).value());
  ASSERT_TRUE(leaf.ok());
  const Certificate& intermediate = root.certificate_authorities[1].chain[0];
  Result<std::vector<EmbeddedSct>> scts = EmbeddedScts(leaf.value(), intermediate);
  ASSERT_TRUE(scts.ok()) << scts.status().ToString();
  ASSERT_EQ(scts->size(), 1u);
  EXPECT_EQ(scts->front().log_id, root.ctlogs[1].log_id);
  EXPECT_TRUE(scts->front().sha256);
  // Logged within a minute of the Rekor entry (integratedTime 1760062340).
  EXPECT_NEAR(static_cast<double>(scts->front().timestamp_ms) / 1000.0, 1760062340.0, 60.0);
  EXPECT_TRUE(root.ctlogs[1].key.Verify(scts->front().signed_data, scts->front().signature, DigestKind::kSha256).ok());
  // With the wrong issuer the signed data changes (issuer key hash) and the SCT fails.
  const Certificate& fulcio_root = root.certificate_authorities[1].chain[1];
  Result<std::vector<EmbeddedSct>> wrong = EmbeddedScts(leaf.value(), fulcio_root);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(root.ctlogs[1].key.Verify(wrong->front().signed_data, wrong->front().signature, DigestKind::kSha256).ok());
}

json& FirstTimestamp(json& bundle) {
  return bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]["signedTimestamp"];
}

TEST_F(TamperedSigstoreBundle, Rfc3161TimestampIsVerified) {
  // The v1.1.0 bundle's timestamp verifies (the valid test above); tampering it fails.
  json flipped = bundle_;
  FlipBase64Bit(&FirstTimestamp(flipped), -10);  // inside the CMS signature
  ExpectFailure(Verify(flipped, root_), "timestamp[0]: no timestamp authority of the trusted root verifies it");
  // A timestamp over another signature (the v1.0.1 bundle's) is refused: its imprint differs.
  json other = ReadSigstoreJson("v1.0.1-sigstore.model.sig");
  Result<DsseView> other_view = DsseViewFromBundle(other, Limits::Default());
  ASSERT_TRUE(other_view.ok());
  Result<Certificate> r = VerifySigstoreEvidence(bundle_, root_, kPolicy,
                                                 DsseView{other_view->payload_type, other_view->payload,
                                                          other_view->signature},
                                                 Limits::Default());
  ExpectFailure(r.status(), "timestamp[0]: no timestamp authority of the trusted root verifies it");
  // Without the timestamp authority in the trusted root.
  json doc = ReadSigstoreJson("prod-trusted_root.json");
  doc["timestampAuthorities"] = json::array();
  ExpectFailure(Verify(bundle_, RootFrom(doc)), "timestamp[0]: no timestamp authority of the trusted root verifies it");
  // Dropping the timestamp leaves the Rekor evidence, which suffices.
  bundle_["verificationMaterial"].erase("timestampVerificationData");
  Status st = Verify(bundle_, root_);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST_F(TamperedSigstoreBundle, MissingTlogEntriesFail) {
  bundle_["verificationMaterial"]["tlogEntries"] = json::array();
  ExpectFailure(Verify(bundle_, root_), "bundle: no transparency-log entry");
  bundle_["verificationMaterial"].erase("tlogEntries");
  ExpectFailure(Verify(bundle_, root_), "bundle: no transparency-log entry");
}

TEST_F(TamperedSigstoreBundle, TwoTlogEntriesAreRefused) {
  bundle_["verificationMaterial"]["tlogEntries"].push_back(Entry(bundle_));
  ExpectFailure(Verify(bundle_, root_), "exactly one is supported");
}

TEST_F(TamperedSigstoreBundle, TlogEntryOfAnotherEnvelopeFails) {
  // Every proof of the entry is valid, but it records another signature. (The
  // RFC 3161 timestamp, over the signature, would fail first: dropped here.)
  bundle_["verificationMaterial"].erase("timestampVerificationData");
  json other = ReadSigstoreJson("v1.0.1-sigstore.model.sig");
  Result<DsseView> other_view = DsseViewFromBundle(other, Limits::Default());
  ASSERT_TRUE(other_view.ok());
  Result<Certificate> r = VerifySigstoreEvidence(bundle_, root_, kPolicy, other_view.value(), Limits::Default());
  ExpectFailure(r.status(), "tlog entry: payload hash differs from this envelope's payload");

  Result<DsseView> view = DsseViewFromBundle(bundle_, Limits::Default());
  ASSERT_TRUE(view.ok());
  DsseView same_payload = view.value();
  same_payload.signature = other_view->signature;
  r = VerifySigstoreEvidence(bundle_, root_, kPolicy, same_payload, Limits::Default());
  ExpectFailure(r.status(), "tlog entry: signature differs from this envelope's signature");
}

TEST_F(TamperedSigstoreBundle, EntryAndCertificateFromDifferentBundlesFail) {
  // The whole tlog entry of another (valid) bundle, with this bundle's certificate.
  json other = ReadSigstoreJson("v1.0.1-sigstore.model.sig");
  bundle_["verificationMaterial"]["tlogEntries"] = other["verificationMaterial"]["tlogEntries"];
  bundle_["dsseEnvelope"] = other["dsseEnvelope"];
  ExpectFailure(Verify(bundle_, root_), "certificate: not valid at the tlog entry's integratedTime");
}

TEST_F(TamperedSigstoreBundle, OlderBundleShapesVerify) {
  // v0.2 carries the certificate as a one-element x509CertificateChain.
  json v02 = bundle_;
  v02["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2";
  json cert = v02["verificationMaterial"]["certificate"];
  v02["verificationMaterial"].erase("certificate");
  v02["verificationMaterial"]["x509CertificateChain"]["certificates"] = json::array({cert});
  Status st = Verify(v02, root_);
  EXPECT_TRUE(st.ok()) << st.ToString();
  // v0.1 may omit the inclusion proof (the SET is then the only log evidence); v0.2 may not.
  json v01 = v02;
  v01["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1";
  Entry(v01).erase("inclusionProof");
  st = Verify(v01, root_);
  EXPECT_TRUE(st.ok()) << st.ToString();
  Entry(v02).erase("inclusionProof");
  ExpectFailure(Verify(v02, root_), "inclusion proof: missing");
}

TEST_F(TamperedSigstoreBundle, UnknownMediaTypeFails) {
  bundle_["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.4+json";
  ExpectFailure(Verify(bundle_, root_), "bundle: media type 'application/vnd.dev.sigstore.bundle.v0.4+json'");
}

TEST_F(TamperedSigstoreBundle, OtherEntryKindFails) {
  Entry(bundle_)["kindVersion"]["kind"] = "hashedrekord";
  ExpectFailure(Verify(bundle_, root_), "tlog entry: kind 'hashedrekord'");
}

TEST(SigstoreDsseView, ReadsTheEnvelopeStrictly) {
  json bundle = ReadSigstoreJson("v1.0.0-sigstore.model.sig");
  Result<DsseView> view = DsseViewFromBundle(bundle, Limits::Default());
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->payload.front(), '{');  // the in-toto statement, decoded
  json two = bundle;
  two["dsseEnvelope"]["signatures"].push_back(two["dsseEnvelope"]["signatures"][0]);
  Result<DsseView> r = DsseViewFromBundle(two, Limits::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "bundle: dsseEnvelope has 2 signatures (exactly one is supported)");
  json bad = bundle;
  bad["dsseEnvelope"]["payload"] = "e30";  // unpadded
  r = DsseViewFromBundle(bad, Limits::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "bundle.dsseEnvelope.payload: base64: length is not a multiple of 4");
  Limits small = Limits::Default();
  small.max_statement_bytes = 10;
  r = DsseViewFromBundle(bundle, small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLimitExceeded);
}

TEST(SigstoreSpecVectors, InvalidVectorsFailWithAReason) {
  TrustedRoot root = ProdRoot();
  // empty.bundle.json is not JSON at all.
  EXPECT_FALSE(ParseJsonBounded(ReadSigstoreFixture("invalid/empty.bundle.json"), 1 << 20, Limits::Default(), "bundle")
                   .ok());
  ExpectFailure(Verify(ReadSigstoreJson("invalid/missing-envelope.bundle.json"), root), "bundle: dsseEnvelope missing");
  ExpectFailure(Verify(ReadSigstoreJson("invalid/missing-tlog-entries.bundle.json"), root),
                "bundle: no transparency-log entry");
  ExpectFailure(Verify(ReadSigstoreJson("invalid/missing-verification-material.bundle.json"), root),
                "bundle.verificationMaterial: missing");
  ExpectFailure(Verify(ReadSigstoreJson("invalid/wrong-predicate.bundle.json"), root),
                "bundle: signed with a public key, not a Fulcio certificate");
}

}  // namespace
}  // namespace modelgate::provenance::sigstore
