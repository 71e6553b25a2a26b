// Tests for the OpenSSL layer: keys generated here by OpenSSL for every
// supported curve, and the published test PKI of sigstore/model-transparency
// (tests/fixtures/provenance/keys: root -> intermediate -> leaf).
#include "provenance/crypto.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace modelgate::provenance {
namespace {

using std::chrono::system_clock;

std::string ReadKeyFixture(const std::string& name) {
  std::ifstream in(std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/provenance/keys/" + name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A fresh EC key on `curve` as PEM (PKCS#8), encrypted with AES-256 when a
// password is given.
std::string GenerateEcKeyPem(const char* curve, const std::string& password = "") {
  EVP_PKEY* pkey = EVP_EC_gen(curve);
  EXPECT_NE(pkey, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  if (password.empty()) {
    EXPECT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr), 1);
  } else {
    EXPECT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(), password.data(),
                                            static_cast<int>(password.size()), nullptr, nullptr),
              1);
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return pem;
}

PrivateKey MustPrivate(const std::string& pem, const std::string& password = "") {
  Result<PrivateKey> key = PrivateKey::FromPem(pem, password);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? std::move(key).value() : PrivateKey{};
}

Certificate MustCert(const std::string& name) {
  Result<std::vector<Certificate>> chain = Certificate::ChainFromPem(ReadKeyFixture(name));
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_EQ(chain.ok() ? chain->size() : 0u, 1u);
  return chain.ok() && !chain->empty() ? chain->front() : Certificate{};
}

system_clock::time_point Utc(int year, int month, int day) {
  struct tm tm {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  return system_clock::from_time_t(timegm(&tm));
}

struct CurveCase {
  const char* curve;
  DigestKind digest;
  const char* details;
};

class SignVerifyRoundTrip : public ::testing::TestWithParam<CurveCase> {};

TEST_P(SignVerifyRoundTrip, SignsVerifiesAndRejectsTampering) {
  const CurveCase& c = GetParam();
  PrivateKey key = MustPrivate(GenerateEcKeyPem(c.curve));
  PublicKey pub = key.Public();
  EXPECT_EQ(pub.DefaultDigest(), c.digest);
  EXPECT_EQ(pub.KeyDetails(), c.details);

  const std::string message = "DSSEv1 28 application/vnd.in-toto+json 2 {}";
  Result<std::string> sig = key.Sign(message);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_TRUE(pub.Verify(message, sig.value(), c.digest).ok());

  // The public key survives PEM and DER round trips.
  Result<PublicKey> from_pem = PublicKey::FromPem(pub.Pem());
  ASSERT_TRUE(from_pem.ok()) << from_pem.status().ToString();
  EXPECT_TRUE(from_pem->Verify(message, sig.value(), c.digest).ok());
  Result<PublicKey> from_der = PublicKey::FromDer(pub.SpkiDer());
  ASSERT_TRUE(from_der.ok()) << from_der.status().ToString();
  EXPECT_EQ(from_der->SpkiDer(), pub.SpkiDer());

  std::string tampered = message;
  tampered[7] ^= 1;
  Status bad_message = pub.Verify(tampered, sig.value(), c.digest);
  EXPECT_FALSE(bad_message.ok());
  EXPECT_EQ(bad_message.message(), "signature does not verify");

  std::string bad_sig = sig.value();
  bad_sig[bad_sig.size() - 1] ^= 1;
  EXPECT_FALSE(pub.Verify(message, bad_sig, c.digest).ok());
  EXPECT_FALSE(pub.Verify(message, "not DER at all", c.digest).ok());

  PublicKey other = MustPrivate(GenerateEcKeyPem(c.curve)).Public();
  EXPECT_FALSE(other.Verify(message, sig.value(), c.digest).ok());
}

INSTANTIATE_TEST_SUITE_P(Curves, SignVerifyRoundTrip,
                         ::testing::Values(CurveCase{"P-256", DigestKind::kSha256, "PKIX_ECDSA_P256_SHA_256"},
                                           CurveCase{"P-384", DigestKind::kSha384, "PKIX_ECDSA_P384_SHA_384"},
                                           CurveCase{"P-521", DigestKind::kSha512, "PKIX_ECDSA_P521_SHA_512"}));

TEST(Crypto, DigestsMatchKnownVectors) {
  auto hex = [](const std::string& raw) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char ch : raw) {
      out += d[ch >> 4];
      out += d[ch & 15];
    }
    return out;
  };
  EXPECT_EQ(hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Digest(DigestKind::kSha384, "abc").size(), 48u);
  EXPECT_EQ(hex(Digest(DigestKind::kSha512, "")).substr(0, 16), "cf83e1357eefb8bd");
}

TEST(Crypto, PublishedTestKeyMatchesItsCertificateAndPublicKey) {
  PrivateKey key = MustPrivate(ReadKeyFixture("signing-key.pem"));
  Result<PublicKey> pub = PublicKey::FromPem(ReadKeyFixture("signing-key-pub.pem"));
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->KeyDetails(), "PKIX_ECDSA_P384_SHA_384");
  Certificate leaf = MustCert("signing-key-cert.pem");
  EXPECT_EQ(leaf.Key().SpkiDer(), pub->SpkiDer());
  EXPECT_EQ(key.Public().SpkiDer(), pub->SpkiDer());
  Result<std::string> sig = key.Sign("payload");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(leaf.Key().Verify("payload", sig.value(), DigestKind::kSha384).ok());
}

TEST(Crypto, EncryptedPrivateKeyNeedsTheRightPassword) {
  const std::string pem = GenerateEcKeyPem("P-256", "correct horse");
  EXPECT_NE(pem.find("ENCRYPTED"), std::string::npos);
  PrivateKey key = MustPrivate(pem, "correct horse");
  EXPECT_EQ(key.Public().KeyDetails(), "PKIX_ECDSA_P256_SHA_256");

  Result<PrivateKey> no_password = PrivateKey::FromPem(pem);
  ASSERT_FALSE(no_password.ok());
  EXPECT_NE(no_password.status().message().find("no password"), std::string::npos);
  Result<PrivateKey> wrong = PrivateKey::FromPem(pem, "wrong");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("wrong password"), std::string::npos) << wrong.status().message();
}

TEST(Crypto, RejectsGarbageKeysAndCertificates) {
  EXPECT_FALSE(PrivateKey::FromPem("not a key").ok());
  EXPECT_FALSE(PublicKey::FromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").ok());
  EXPECT_FALSE(PublicKey::FromDer("\x30\x03\x02\x01\x01").ok());
  EXPECT_FALSE(Certificate::FromDer("").ok());
  Result<std::vector<Certificate>> none = Certificate::ChainFromPem("no PEM here");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no PEM certificate"), std::string::npos);
  // A DER certificate followed by junk is refused, not silently truncated.
  std::string der = MustCert("ca-cert.pem").Der();
  EXPECT_TRUE(Certificate::FromDer(der).ok());
  EXPECT_FALSE(Certificate::FromDer(der + "x").ok());
}

TEST(Crypto, CertificateFields) {
  Certificate root = MustCert("ca-cert.pem");
  EXPECT_EQ(root.SubjectText(), "CN=root-ca");
  EXPECT_EQ(root.NotBefore(), Utc(2025, 5, 2) + std::chrono::hours(23) + std::chrono::minutes(36) +
                                  std::chrono::seconds(28));
  EXPECT_GT(root.NotAfter(), Utc(2035, 4, 30));
  EXPECT_LT(root.NotAfter(), Utc(2035, 5, 1));
  EXPECT_TRUE(root.SubjectAlternativeNames().empty());
  Certificate leaf = MustCert("signing-key-cert.pem");
  // Extended key usage (2.5.29.37) = SEQUENCE { id-kp-codeSigning 1.3.6.1.5.5.7.3.3 }.
  EXPECT_EQ(leaf.ExtensionValue("2.5.29.37"), std::string("\x30\x0a\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x03", 12));
  EXPECT_EQ(leaf.ExtensionValue("1.3.6.1.4.1.57264.1.8"), "");
  EXPECT_EQ(leaf.ExtensionValue("not an oid"), "");
}

TEST(Crypto, ChainLeafIntermediateRootVerifies) {
  Certificate root = MustCert("ca-cert.pem");
  Certificate intermediate = MustCert("int-ca-cert.pem");
  Certificate leaf = MustCert("signing-key-cert.pem");
  Status st = VerifyCertificateChain(leaf, {intermediate}, {root}, Utc(2026, 1, 1));
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST(Crypto, ChainFailsWithoutTheIntermediateOrWithTheWrongRoot) {
  Certificate root = MustCert("ca-cert.pem");
  Certificate intermediate = MustCert("int-ca-cert.pem");
  Certificate leaf = MustCert("signing-key-cert.pem");
  Status missing = VerifyCertificateChain(leaf, {}, {root}, Utc(2026, 1, 1));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("unable to get local issuer certificate"), std::string::npos)
      << missing.message();
  // The intermediate is not a root: a partial chain must not be accepted.
  Status partial = VerifyCertificateChain(leaf, {}, {intermediate}, Utc(2026, 1, 1));
  ASSERT_FALSE(partial.ok());
  EXPECT_NE(partial.message().find("certificate chain: "), std::string::npos);
  // The leaf (same subject as the intermediate, not self-signed) as the root.
  EXPECT_FALSE(VerifyCertificateChain(leaf, {intermediate}, {leaf}, Utc(2026, 1, 1)).ok());
  EXPECT_FALSE(VerifyCertificateChain(leaf, {intermediate}, {}, Utc(2026, 1, 1)).ok());
}

TEST(Crypto, ChainFailsOutsideValidity) {
  Certificate root = MustCert("ca-cert.pem");
  Certificate intermediate = MustCert("int-ca-cert.pem");
  Certificate leaf = MustCert("signing-key-cert.pem");
  Status early = VerifyCertificateChain(leaf, {intermediate}, {root}, Utc(2024, 1, 1));
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.message().find("not yet valid"), std::string::npos) << early.message();
  Status late = VerifyCertificateChain(leaf, {intermediate}, {root}, Utc(2036, 1, 1));
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.message().find("expired"), std::string::npos) << late.message();
}

TEST(Crypto, ChainFromPemReadsEveryCertificateInOrder) {
  Result<std::vector<Certificate>> chain =
      Certificate::ChainFromPem(ReadKeyFixture("signing-key-cert.pem") + ReadKeyFixture("int-ca-cert.pem"));
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ(chain.value()[1].SubjectText(), "CN=intermediate-ca");
  EXPECT_EQ(chain.value()[0].Der(), MustCert("signing-key-cert.pem").Der());
}

TEST(Crypto, CertificateWithoutSctsHasNone) {
  Result<std::vector<EmbeddedSct>> scts = EmbeddedScts(MustCert("signing-key-cert.pem"), MustCert("int-ca-cert.pem"));
  ASSERT_TRUE(scts.ok()) << scts.status().ToString();
  EXPECT_TRUE(scts->empty());
}

TEST(Crypto, Rfc3161RejectsGarbage) {
  Certificate root = MustCert("ca-cert.pem");
  auto r = VerifyRfc3161Timestamp("\x30\x03\x02\x01\x00", "data", {}, {root});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("timestamp: ", 0), 0u) << r.status().message();
  EXPECT_FALSE(VerifyRfc3161Timestamp("", "data", {}, {root}).ok());
  EXPECT_FALSE(VerifyRfc3161Timestamp("x", "data", {}, {}).ok());
}

TEST(Base64, RoundTripsAllLengths) {
  std::string raw;
  for (int i = 0; i < 70; ++i) {
    std::string enc = EncodeBase64(raw);
    EXPECT_EQ(enc.size(), 4 * ((raw.size() + 2) / 3));
    Result<std::string> dec = DecodeBase64(enc);
    ASSERT_TRUE(dec.ok()) << dec.status().ToString() << " at length " << i;
    EXPECT_EQ(dec.value(), raw);
    raw.push_back(static_cast<char>(i * 37 + 255));
  }
  EXPECT_EQ(EncodeBase64("foob"), "Zm9vYg==");
  EXPECT_EQ(EncodeBase64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(DecodeBase64("Zm9vYmFy").value(), "foobar");
  EXPECT_EQ(DecodeBase64("").value(), "");
  EXPECT_EQ(DecodeBase64("AAAA").value(), std::string(3, '\0'));
}

TEST(Base64, RejectsNonCanonicalInput) {
  for (const char* bad : {"Zm9vYg=", "Zm9vYg", "Zm9v\nYmFy", " Zm9v", "Zm9v ", "Zm=vYmFy", "Zm9vY===", "====",
                          "Zm9vYh==", "Zm9vYmF=", "Zm9-YmFy", "Zm9_YmFy", "A"}) {
    Result<std::string> r = DecodeBase64(bad);
    EXPECT_FALSE(r.ok()) << "accepted '" << bad << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().rfind("base64: ", 0), 0u) << r.status().message();
    }
  }
}

}  // namespace
}  // namespace modelgate::provenance
