#include "provenance/verifier.h"

#include <gtest/gtest.h>

#include "provenance/bundle.h"
#include "provenance/crypto.h"
#include "provenance/provenance_test_util.h"
#include "provenance/signer.h"

namespace modelgate::provenance {
namespace {

namespace fs = std::filesystem;
using testing::Fixture;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

VerifyOptions KeyOptions(const std::string& pub_rel) {
  VerifyOptions o;
  o.method = VerifyMethod::kKey;
  o.public_key_pem = ReadFile(Fixture(pub_rel));
  return o;
}

VerifyOptions CaOptions(const std::string& root_rel) {
  VerifyOptions o;
  o.method = VerifyMethod::kCertificate;
  o.ca_roots_pem = ReadFile(Fixture(root_rel));
  return o;
}

constexpr const char* kRefPub = "keys/signing-key-pub.pem";
constexpr const char* kRefCa = "keys/ca-cert.pem";

struct Historical {
  const char* dir;
  bool certificate;
  const char* model;  // relative to the dir ("" = the dir itself)
  std::vector<std::string> ignore;
};

// Every key and certificate bundle written by model_signing 0.2.0 ... 1.1.0,
// verified the way its own test-sign-verify-allversions.sh verifies it.
TEST(VerifyModel, AcceptsEveryHistoricalKeyAndCertificateBundle) {
  const Historical cases[] = {
      {"v0.2.0-certificate", true, "", {}},
      {"v0.3.1-certificate", true, "", {}},
      {"v1.0.0-certificate", true, "", {}},
      {"v1.0.1-certificate", true, "", {"ignore-me"}},  // ignore_paths not recorded before 1.1.0
      {"v1.1.0-certificate", true, "", {}},
      {"v0.3.1-elliptic-key", false, "signme-1", {}},  // 0.3.1 and 1.0.0 signed a single file
      {"v1.0.0-elliptic-key", false, "signme-1", {}},
      {"v1.0.1-elliptic-key", false, "", {"ignore-me"}},
      {"v1.1.0-elliptic-key", false, "", {}},
  };
  for (const Historical& c : cases) {
    const fs::path dir = Fixture(std::string("bundles/") + c.dir);
    VerifyOptions o = c.certificate ? CaOptions(kRefCa) : KeyOptions(kRefPub);
    o.ignore_paths = c.ignore;
    o.signature_path = dir / "model.sig";
    const fs::path model = *c.model ? dir / c.model : dir;
    VerificationResult r = VerifyModel(model, ReadFile(dir / "model.sig"), o);
    EXPECT_TRUE(r.ok) << c.dir << ": [" << VerifyCheckName(r.failed) << "] " << r.message;
  }
}

TEST(VerifyModel, LegacyBundlesAreFlagged) {
  const fs::path dir = Fixture("bundles/v0.2.0-certificate");
  VerifyOptions o = CaOptions(kRefCa);
  VerificationResult r = VerifyModel(dir, ReadFile(dir / "model.sig"), o);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.predicate_type, "https://model_signing/Digests/v0.1");
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("0.2.0"), std::string::npos);
}

TEST(VerifyModel, V101WithoutIgnorePathReportsTheUnsignedFile) {
  const fs::path dir = Fixture("bundles/v1.0.1-elliptic-key");
  VerificationResult r = VerifyModel(dir, ReadFile(dir / "model.sig"), KeyOptions(kRefPub));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failed, VerifyCheck::kManifest);
  EXPECT_EQ(r.difference.added, std::vector<std::string>{"ignore-me"});
  EXPECT_NE(r.message.find("ignore-me"), std::string::npos);
  VerifyOptions o = KeyOptions(kRefPub);
  o.ignore_unsigned_files = true;
  EXPECT_TRUE(VerifyModel(dir, ReadFile(dir / "model.sig"), o).ok);
}

// The spec's valid key and certificate vectors sign the files of
// v1.1.0-elliptic-key (signme-1, signme-2; ignore-me excluded).
TEST(VerifyModel, AcceptsTheSpecValidVectors) {
  TempDir tmp;
  for (const char* f : {"signme-1", "signme-2", "ignore-me"}) {
    fs::copy_file(Fixture(std::string("bundles/v1.1.0-elliptic-key/") + f), tmp.path() / f);
  }
  VerificationResult key =
      VerifyModel(tmp.path(), ReadFile(Fixture("oms-spec-vectors/valid/key.bundle.json")), KeyOptions(kRefPub));
  EXPECT_TRUE(key.ok) << key.message;
  VerificationResult cert =
      VerifyModel(tmp.path(), ReadFile(Fixture("oms-spec-vectors/valid/certificate.bundle.json")), CaOptions(kRefCa));
  EXPECT_TRUE(cert.ok) << cert.message;
}

TEST(VerifyModel, RejectsTheInvalidSpecVectorsNamingTheCheck) {
  const fs::path model = Fixture("bundles/v1.1.0-elliptic-key");
  struct Case {
    const char* file;
    VerifyCheck check;
    const char* reason;
  } cases[] = {
      {"invalid/empty.bundle.json", VerifyCheck::kBundle, "empty"},
      {"invalid/missing-envelope.bundle.json", VerifyCheck::kBundle, "no dsseEnvelope"},
      {"invalid/missing-verification-material.bundle.json", VerifyCheck::kBundle, "no verificationMaterial"},
      {"invalid/missing-tlog-entries.bundle.json", VerifyCheck::kBundle, "tlogEntries"},
      {"invalid-payload/wrong-predicate.bundle.json", VerifyCheck::kSignature, "does not verify"},
  };
  for (const Case& c : cases) {
    VerificationResult r =
        VerifyModel(model, ReadFile(Fixture(std::string("oms-spec-vectors/") + c.file)), KeyOptions(kRefPub));
    EXPECT_FALSE(r.ok) << c.file;
    EXPECT_EQ(r.failed, c.check) << c.file << ": " << r.message;
    EXPECT_NE(r.message.find(c.reason), std::string::npos) << c.file << ": " << r.message;
  }
}

TEST(VerifyModel, WrongKeyWrongCaAndWrongMethodAreNamed) {
  const fs::path key_dir = Fixture("bundles/v1.1.0-elliptic-key");
  VerificationResult hint = VerifyModel(key_dir, ReadFile(key_dir / "model.sig"), KeyOptions("signing/p384-pub.pem"));
  EXPECT_EQ(hint.failed, VerifyCheck::kMaterial);
  EXPECT_NE(hint.message.find("different public key"), std::string::npos) << hint.message;

  const fs::path old_dir = Fixture("bundles/v1.0.1-elliptic-key");
  VerificationResult raw = VerifyModel(old_dir, ReadFile(old_dir / "model.sig"), KeyOptions("signing/p384-pub.pem"));
  EXPECT_EQ(raw.failed, VerifyCheck::kMaterial);
  EXPECT_NE(raw.message.find("rawBytes"), std::string::npos) << raw.message;

  const fs::path cert_dir = Fixture("bundles/v1.1.0-certificate");
  VerificationResult ca = VerifyModel(cert_dir, ReadFile(cert_dir / "model.sig"), CaOptions("signing/root.pem"));
  EXPECT_EQ(ca.failed, VerifyCheck::kCertificateChain);
  EXPECT_NE(ca.message.find("certificate chain"), std::string::npos) << ca.message;

  VerificationResult method = VerifyModel(cert_dir, ReadFile(cert_dir / "model.sig"), KeyOptions(kRefPub));
  EXPECT_EQ(method.failed, VerifyCheck::kMaterial);
  EXPECT_NE(method.message.find("--ca"), std::string::npos) << method.message;

  VerifyOptions keyless = KeyOptions(kRefPub);
  keyless.method = VerifyMethod::kCertificate;
  keyless.ca_roots_pem = ReadFile(Fixture(kRefCa));
  const fs::path sig_dir = Fixture("bundles/v1.1.0-sigstore");
  VerificationResult sig = VerifyModel(sig_dir, ReadFile(sig_dir / "model.sig"), keyless);
  EXPECT_EQ(sig.failed, VerifyCheck::kMaterial);
  EXPECT_NE(sig.message.find("keyless"), std::string::npos) << sig.message;
}

// Keyless bundles of model_signing 0.3.1 ... 1.1.0 and the spec's valid
// sigstore vector, offline against the pinned public-good trusted root.
VerifyOptions KeylessOptions() {
  VerifyOptions o;
  o.method = VerifyMethod::kKeyless;
  o.trusted_root_json = ReadFile(Fixture("sigstore/prod-trusted_root.json"));
  o.identity = "stefanb@us.ibm.com";
  o.issuer = "https://sigstore.verify.ibm.com/oauth2";
  return o;
}

TEST(VerifyModel, AcceptsEveryHistoricalKeylessBundle) {
  for (const char* v : {"v0.3.1", "v1.0.0", "v1.0.1", "v1.1.0"}) {
    const fs::path dir = Fixture(std::string("bundles/") + v + "-sigstore");
    VerifyOptions o = KeylessOptions();
    if (std::string(v) == "v1.0.1") o.ignore_paths = {"ignore-me"};
    VerificationResult r = VerifyModel(dir, ReadFile(dir / "model.sig"), o);
    EXPECT_TRUE(r.ok) << v << ": [" << VerifyCheckName(r.failed) << "] " << r.message;
  }
  const fs::path dir = Fixture("bundles/v1.1.0-sigstore");
  VerificationResult spec =
      VerifyModel(dir, ReadFile(Fixture("oms-spec-vectors/valid/sigstore.bundle.json")), KeylessOptions());
  EXPECT_TRUE(spec.ok) << spec.message;
}

TEST(VerifyModel, KeylessIdentityIssuerAndTamperingAreNamed) {
  const fs::path dir = Fixture("bundles/v1.1.0-sigstore");
  const std::string bundle = ReadFile(dir / "model.sig");
  VerifyOptions who = KeylessOptions();
  who.identity = "mallory@example.com";
  VerificationResult r1 = VerifyModel(dir, bundle, who);
  EXPECT_EQ(r1.failed, VerifyCheck::kIdentity) << r1.message;
  EXPECT_NE(r1.message.find("mallory@example.com"), std::string::npos) << r1.message;
  VerifyOptions issuer = KeylessOptions();
  issuer.issuer = "https://accounts.google.com";
  EXPECT_EQ(VerifyModel(dir, bundle, issuer).failed, VerifyCheck::kIdentity);

  TempDir tmp;
  for (const char* f : {"signme-1", "signme-2", "ignore-me", "model.sig"}) fs::copy_file(dir / f, tmp.path() / f);
  WriteFile(tmp.path() / "signme-2", "tampered\n");
  VerificationResult r2 = VerifyModel(tmp.path(), bundle, KeylessOptions());
  EXPECT_EQ(r2.failed, VerifyCheck::kManifest) << r2.message;
  EXPECT_EQ(r2.difference.changed, std::vector<std::string>{"signme-2"});

  VerifyOptions key_for_keyless = KeyOptions(kRefPub);
  EXPECT_EQ(VerifyModel(dir, bundle, key_for_keyless).failed, VerifyCheck::kMaterial);
  const fs::path key_dir = Fixture("bundles/v1.1.0-elliptic-key");
  EXPECT_EQ(VerifyModel(key_dir, ReadFile(key_dir / "model.sig"), KeylessOptions()).failed, VerifyCheck::kMaterial);
}

// --- Round trips -------------------------------------------------------------

struct KeyCase {
  const char* priv;
  const char* password_file;
  const char* pub;
};
const KeyCase kKeys[] = {
    {"signing/p256.pem", nullptr, "signing/p256-pub.pem"},
    {"signing/p384-encrypted.pem", "signing/p384-password.txt", "signing/p384-pub.pem"},
    {"signing/p521.pem", nullptr, "signing/p521-pub.pem"},
};

SignOptions SignWith(const KeyCase& k) {
  SignOptions o;
  o.private_key_pem = ReadFile(Fixture(k.priv));
  if (k.password_file) {
    o.password = ReadFile(Fixture(k.password_file));
    while (!o.password.empty() && o.password.back() == '\n') o.password.pop_back();
  }
  return o;
}

void MakeModel(const fs::path& root) {
  WriteFile(root / "config.json", "{\"layers\": 2}\n");
  WriteFile(root / "weights/part-0.bin", std::string(5000, '\x01'));
  WriteFile(root / "weights/part-1.bin", std::string(3000, '\x02'));
  WriteFile(root / ".git/HEAD", "ref: refs/heads/main\n");
}

TEST(SignAndVerify, RoundTripsEveryCurveMethodAndShape) {
  for (const KeyCase& k : kKeys) {
    for (SerializationMethod method : {SerializationMethod::kFiles, SerializationMethod::kShards}) {
      for (bool single_file : {false, true}) {
        TempDir tmp;
        const fs::path folder = tmp.path() / "model";
        MakeModel(folder);
        const fs::path model = single_file ? folder / "weights/part-0.bin" : folder;
        SignOptions so = SignWith(k);
        so.serialization.method = method;
        so.serialization.shard_size = 1024;
        Result<std::string> bundle = SignModel(model, so);
        ASSERT_TRUE(bundle.ok()) << k.priv << ": " << bundle.status().message();
        const fs::path sig = DefaultSignaturePath(model);
        WriteFile(sig, bundle.value());
        VerifyOptions vo = KeyOptions(k.pub);
        VerificationResult r = VerifyModel(model, bundle.value(), vo);
        EXPECT_TRUE(r.ok) << k.priv << " shards=" << (method == SerializationMethod::kShards) << " file=" << single_file
                          << ": " << r.message;
        EXPECT_EQ(r.resources,
                  method == SerializationMethod::kShards ? (single_file ? 5u : 9u) : (single_file ? 1u : 3u));
      }
    }
  }
}

TEST(SignAndVerify, KeyBundleLooksLikeModelSigning110s) {
  TempDir tmp;
  MakeModel(tmp.path());
  Result<std::string> bundle = SignModel(tmp.path(), SignWith(kKeys[0]));
  ASSERT_TRUE(bundle.ok()) << bundle.status().message();
  const std::string& text = bundle.value();
  EXPECT_EQ(
      text.rfind(
          R"({"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":")",
          0),
      0u)
      << text.substr(0, 200);
  EXPECT_NE(text.find(R"("tlogEntries":[]},"dsseEnvelope":{"payload":")"), std::string::npos);
  EXPECT_NE(text.find(R"(","keyid":""}]}})"), std::string::npos);
  Result<Bundle> parsed = ParseBundle(text, Limits());
  ASSERT_TRUE(parsed.ok());
  Result<PublicKey> pub = PublicKey::FromPem(ReadFile(Fixture(kKeys[0].pub)));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(parsed->public_key_hint, ToHex(Sha256(ReadFile(Fixture(kKeys[0].pub)))));
  // The signature file is excluded and recorded; the default git paths too.
  EXPECT_NE(parsed->envelope.payload.find("\"model.sig\""), std::string::npos);
  EXPECT_NE(parsed->envelope.payload.find("\".git\""), std::string::npos);
  EXPECT_EQ(parsed->envelope.payload.find("HEAD"), std::string::npos);
}

TEST(SignAndVerify, CertificateChainRoundTripAndFailures) {
  TempDir tmp;
  MakeModel(tmp.path());
  SignOptions so = SignWith(kKeys[0]);
  so.cert_chain_pem = ReadFile(Fixture("signing/chain.pem"));
  Result<std::string> bundle = SignModel(tmp.path(), so);
  ASSERT_TRUE(bundle.ok()) << bundle.status().message();
  Result<Bundle> parsed = ParseBundle(bundle.value(), Limits());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->material, MaterialKind::kCertificateChain);
  EXPECT_EQ(parsed->certificates.size(), 2u);

  VerificationResult ok = VerifyModel(tmp.path(), bundle.value(), CaOptions("signing/root.pem"));
  EXPECT_TRUE(ok.ok) << ok.message;
  EXPECT_NE(ok.signer.find("modelgate test signer"), std::string::npos) << ok.signer;

  VerificationResult wrong_ca = VerifyModel(tmp.path(), bundle.value(), CaOptions("signing/other-root.pem"));
  EXPECT_EQ(wrong_ca.failed, VerifyCheck::kCertificateChain) << wrong_ca.message;

  VerifyOptions strict = CaOptions("signing/root.pem");
  strict.check_certificate_expiry = true;
  EXPECT_TRUE(VerifyModel(tmp.path(), bundle.value(), strict).ok);

  SignOptions nosign = SignWith(kKeys[0]);
  nosign.cert_chain_pem = ReadFile(Fixture("signing/chain-nosign.pem"));
  Result<std::string> bad_bundle = SignModel(tmp.path(), nosign);
  ASSERT_TRUE(bad_bundle.ok());
  VerificationResult may_not_sign = VerifyModel(tmp.path(), bad_bundle.value(), CaOptions("signing/root.pem"));
  EXPECT_EQ(may_not_sign.failed, VerifyCheck::kCertificateChain);
  EXPECT_NE(may_not_sign.message.find("may not sign"), std::string::npos) << may_not_sign.message;

  SignOptions mismatch = SignWith(kKeys[2]);  // P-521 key, P-256 leaf
  mismatch.cert_chain_pem = ReadFile(Fixture("signing/chain.pem"));
  Result<std::string> refused = SignModel(tmp.path(), mismatch);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("leaf"), std::string::npos);
}

TEST(SignAndVerify, WrongPasswordIsRefused) {
  TempDir tmp;
  MakeModel(tmp.path());
  SignOptions so = SignWith(kKeys[1]);
  so.password = "not-the-password";
  Result<std::string> bundle = SignModel(tmp.path(), so);
  ASSERT_FALSE(bundle.ok());
  EXPECT_NE(bundle.status().message().find("private key"), std::string::npos);
}

class Tamper : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeModel(tmp_.path());
    Result<std::string> bundle = SignModel(tmp_.path(), SignWith(kKeys[0]));
    ASSERT_TRUE(bundle.ok()) << bundle.status().message();
    bundle_ = bundle.value();
  }
  VerificationResult Verify(const std::string& bundle) {
    return VerifyModel(tmp_.path(), bundle, KeyOptions(kKeys[0].pub));
  }
  TempDir tmp_;
  std::string bundle_;
};

TEST_F(Tamper, EveryByteOfEveryFileIsCovered) {
  ASSERT_TRUE(Verify(bundle_).ok);
  for (const char* rel : {"config.json", "weights/part-0.bin", "weights/part-1.bin"}) {
    const fs::path p = tmp_.path() / rel;
    const std::string original = ReadFile(p);
    for (std::size_t at : {std::size_t{0}, original.size() / 2, original.size() - 1}) {
      std::string changed = original;
      changed[at] = static_cast<char>(changed[at] ^ 0x01);
      WriteFile(p, changed);
      VerificationResult r = Verify(bundle_);
      EXPECT_FALSE(r.ok) << rel << "@" << at;
      EXPECT_EQ(r.failed, VerifyCheck::kManifest);
      EXPECT_EQ(r.difference.changed, std::vector<std::string>{rel});
      EXPECT_NE(r.message.find(std::string("changed ") + rel), std::string::npos) << r.message;
    }
    WriteFile(p, original);
  }
  EXPECT_TRUE(Verify(bundle_).ok);
}

TEST_F(Tamper, AddedAndMissingFilesAreNamed) {
  WriteFile(tmp_.path() / "weights/extra.bin", "x");
  VerificationResult added = Verify(bundle_);
  EXPECT_EQ(added.failed, VerifyCheck::kManifest);
  EXPECT_EQ(added.difference.added, std::vector<std::string>{"weights/extra.bin"});
  EXPECT_NE(added.message.find("weights/extra.bin"), std::string::npos);

  VerifyOptions lenient = KeyOptions(kKeys[0].pub);
  lenient.ignore_unsigned_files = true;
  EXPECT_TRUE(VerifyModel(tmp_.path(), bundle_, lenient).ok);
  lenient.ignore_paths = {"weights/extra.bin"};
  lenient.ignore_unsigned_files = false;
  EXPECT_TRUE(VerifyModel(tmp_.path(), bundle_, lenient).ok);

  fs::remove(tmp_.path() / "weights/extra.bin");
  fs::remove(tmp_.path() / "config.json");
  VerificationResult missing = Verify(bundle_);
  EXPECT_EQ(missing.failed, VerifyCheck::kManifest);
  EXPECT_EQ(missing.difference.missing, std::vector<std::string>{"config.json"});
  EXPECT_NE(missing.message.find("missing config.json"), std::string::npos) << missing.message;
  lenient.ignore_paths.clear();
  lenient.ignore_unsigned_files = true;  // signed files must still be there
  EXPECT_FALSE(VerifyModel(tmp_.path(), bundle_, lenient).ok);
}

TEST_F(Tamper, ModifiedPayloadOrSignatureFailsTheSignatureCheck) {
  Result<Bundle> parsed = ParseBundle(bundle_, Limits());
  ASSERT_TRUE(parsed.ok());
  Result<PublicKey> pub = PublicKey::FromPem(ReadFile(Fixture(kKeys[0].pub)));
  ASSERT_TRUE(pub.ok());

  DsseEnvelope payload = parsed->envelope;
  payload.payload[payload.payload.find("sha256")] = 'S';
  VerificationResult r1 = Verify(WriteKeyBundle(payload, pub.value()));
  EXPECT_EQ(r1.failed, VerifyCheck::kSignature);
  EXPECT_NE(r1.message.find("signature"), std::string::npos);

  DsseEnvelope sig = parsed->envelope;
  sig.signatures[0].sig[sig.signatures[0].sig.size() / 2] ^= 0x01;
  VerificationResult r2 = Verify(WriteKeyBundle(sig, pub.value()));
  EXPECT_EQ(r2.failed, VerifyCheck::kSignature);

  DsseEnvelope type = parsed->envelope;
  type.payload_type = "application/json";
  EXPECT_EQ(Verify(WriteKeyBundle(type, pub.value())).failed, VerifyCheck::kSignature);

  VerifyOptions other = KeyOptions(kKeys[2].pub);
  VerificationResult wrong = VerifyModel(tmp_.path(), bundle_, other);
  EXPECT_EQ(wrong.failed, VerifyCheck::kMaterial);
  EXPECT_NE(wrong.message.find("different public key"), std::string::npos);
}

}  // namespace
}  // namespace modelgate::provenance
