// modelgate attest end to end in the library: what AttestModel signs,
// VerifyAttestation accepts for the same model and key, and refuses, naming
// the cause, when the model, the key or the kind of statement differs.
#include "provenance/attester.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "provenance/provenance_test_util.h"
#include "provenance/signer.h"
#include "provenance/verifier.h"

namespace modelgate::provenance {
namespace {

namespace fs = std::filesystem;
using testing::Fixture;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// A protocol-0 pickle calling os.system('true'): a hand-built attack whose
// payload only runs `true`. It is never loaded, only scanned.
constexpr char kSystemPickle[] = "cos\nsystem\n(S'true'\ntR.";

class AttestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = dir_.path() / "model";
    WriteFile(model_ / "weights.bin", std::string(4096, '\x01'));
    WriteFile(model_ / "config.json", R"({"model_type": "gpt2"})");
    options_.keys.private_key_pem = ReadFile(Fixture("keys/signing-key.pem"));
    options_.checked_at = "2026-11-22T05:00:00Z";
  }

  VerifyOptions KeyVerify(const char* pub = "keys/signing-key-pub.pem") {
    VerifyOptions v;
    v.method = VerifyMethod::kKey;
    v.public_key_pem = ReadFile(Fixture(pub));
    v.signature_path = DefaultAttestationPath(model_);
    return v;
  }

  // Attests, writes the bundle where the CLI would, returns its text.
  std::string Attest() {
    Result<Attestation> a = AttestModel(model_, options_);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    if (!a.ok()) return {};
    last_ = a.value();
    WriteFile(DefaultAttestationPath(model_), a->bundle);
    return a->bundle;
  }

  TempDir dir_;
  fs::path model_;
  AttestOptions options_;
  Attestation last_;
};

TEST_F(AttestTest, CleanModelPassesAndVerifies) {
  const std::string bundle = Attest();
  EXPECT_TRUE(last_.pass);
  EXPECT_EQ(last_.resources, 2u);  // the attestation file itself is not part of the model
  AttestationVerification v = VerifyAttestation(model_, bundle, KeyVerify());
  ASSERT_TRUE(v.result.ok) << v.result.message;
  ASSERT_TRUE(v.attestation.has_value());
  EXPECT_EQ(v.attestation->verdict, "pass");
  EXPECT_EQ(v.attestation->model_name, "model");
  EXPECT_EQ(v.attestation->checked_at, "2026-11-22T05:00:00Z");
}

TEST_F(AttestTest, MaliciousModelIsAttestedAsFail) {
  WriteFile(model_ / "pytorch_model.bin", kSystemPickle);
  const std::string bundle = Attest();
  EXPECT_FALSE(last_.pass);
  nlohmann::json statement = nlohmann::json::parse(last_.statement);
  EXPECT_EQ(statement["predicate"]["scan"]["verdict"], "fail");
  bool named = false;
  for (const auto& f : statement["predicate"]["scan"]["findings"]) {
    if (f["path"] == "pytorch_model.bin" && f["severity"] == "critical") named = true;
  }
  EXPECT_TRUE(named) << statement["predicate"]["scan"].dump();
  AttestationVerification v = VerifyAttestation(model_, bundle, KeyVerify());
  ASSERT_TRUE(v.result.ok) << v.result.message;  // the signature holds; the verdict is the caller's to act on
  EXPECT_EQ(v.attestation->verdict, "fail");
}

TEST_F(AttestTest, ChangedAddedAndMissingFilesAreNamed) {
  const std::string bundle = Attest();
  WriteFile(model_ / "weights.bin", std::string(4096, '\x02'));
  WriteFile(model_ / "extra.py", "print(1)\n");
  fs::remove(model_ / "config.json");
  AttestationVerification v = VerifyAttestation(model_, bundle, KeyVerify());
  ASSERT_FALSE(v.result.ok);
  EXPECT_EQ(v.result.failed, VerifyCheck::kManifest);
  EXPECT_NE(v.result.message.find("attested"), std::string::npos) << v.result.message;
  EXPECT_EQ(v.result.difference.changed, std::vector<std::string>{"weights.bin"});
  EXPECT_EQ(v.result.difference.added, std::vector<std::string>{"extra.py"});
  EXPECT_EQ(v.result.difference.missing, std::vector<std::string>{"config.json"});
}

TEST_F(AttestTest, WrongKeyFailsOnTheSignature) {
  const std::string bundle = Attest();
  // Not a public key at all: refused as the operator's input.
  AttestationVerification bad_key = VerifyAttestation(model_, bundle, KeyVerify("keys/ca-cert.pem"));
  EXPECT_FALSE(bad_key.result.ok);
  EXPECT_TRUE(bad_key.result.unreadable) << bad_key.result.message;

  // Re-sign the same statement with the intermediate CA's key: the bundle's
  // hint then names another key, and verification with the signing key fails.
  SignerKeys intermediate{ReadFile(Fixture("keys/int-ca-priv.pem")), "", ""};
  Result<std::string> forged = SignStatementBundle(last_.statement, intermediate);
  ASSERT_TRUE(forged.ok()) << forged.status().ToString();
  AttestationVerification wrong = VerifyAttestation(model_, forged.value(), KeyVerify());
  ASSERT_FALSE(wrong.result.ok);
  EXPECT_TRUE(wrong.result.failed == VerifyCheck::kMaterial || wrong.result.failed == VerifyCheck::kSignature)
      << wrong.result.message;
}

TEST_F(AttestTest, OmsSignatureAndAttestationAreNotInterchangeable) {
  const std::string attestation = Attest();
  SignOptions sign;
  sign.private_key_pem = options_.keys.private_key_pem;
  Result<std::string> signature = SignModel(model_, sign);
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();

  AttestationVerification as_attestation = VerifyAttestation(model_, signature.value(), KeyVerify());
  ASSERT_FALSE(as_attestation.result.ok);
  EXPECT_EQ(as_attestation.result.failed, VerifyCheck::kStatement);
  EXPECT_NE(as_attestation.result.message.find("predicateType"), std::string::npos) << as_attestation.result.message;

  VerifyOptions v = KeyVerify();
  v.signature_path = DefaultSignaturePath(model_);
  VerificationResult as_signature = VerifyModel(model_, attestation, v);
  ASSERT_FALSE(as_signature.ok);
  EXPECT_EQ(as_signature.failed, VerifyCheck::kStatement);
}

TEST_F(AttestTest, BomIsBoundByDigest) {
  WriteFile(dir_.path() / "bom.json", R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"})");
  options_.bom = dir_.path() / "bom.json";
  Attest();
  nlohmann::json statement = nlohmann::json::parse(last_.statement);
  EXPECT_EQ(statement["predicate"]["bom"]["serialNumber"], "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79");
  EXPECT_EQ(statement["predicate"]["bom"]["sha256"].get<std::string>().size(), 64u);

  WriteFile(dir_.path() / "not-a-bom.json", R"({"hello": 1})");
  options_.bom = dir_.path() / "not-a-bom.json";
  Result<Attestation> refused = AttestModel(model_, options_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("not a CycloneDX"), std::string::npos);
}

TEST_F(AttestTest, BadKeyIsRefusedBeforeAnyWork) {
  options_.keys.private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  Result<Attestation> a = AttestModel(model_, options_);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("private key"), std::string::npos);
}

}  // namespace
}  // namespace modelgate::provenance
