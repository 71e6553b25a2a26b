// Tests for the Fulcio identity readers on a real Fulcio certificate (the
// v1.1.0 bundle's) and on the model-transparency test PKI (no Fulcio
// extensions).
#include "provenance/sigstore/identity.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "provenance/sigstore/sigstore_test_util.h"

namespace modelgate::provenance::sigstore {
namespace {

Certificate FulcioLeaf() {
  nlohmann::json bundle = testing::ReadSigstoreJson("v1.1.0-sigstore.model.sig");
  std::string der = DecodeBase64(bundle["verificationMaterial"]["certificate"]["rawBytes"].get<std::string>()).value();
  Result<Certificate> cert = Certificate::FromDer(der);
  EXPECT_TRUE(cert.ok());
  return cert.ok() ? cert.value() : Certificate{};
}

Certificate TestPkiCert(const std::string& name) {
  std::ifstream in(std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/provenance/keys/" + name);
  std::string pem((std::istreambuf_iterator<char>(in)), {});
  Result<std::vector<Certificate>> chain = Certificate::ChainFromPem(pem);
  EXPECT_TRUE(chain.ok());
  return chain.ok() ? chain->front() : Certificate{};
}

TEST(FulcioIdentity, ReadsIssuerAndSan) {
  Certificate leaf = FulcioLeaf();
  Result<std::string> issuer = OidcIssuer(leaf);
  ASSERT_TRUE(issuer.ok()) << issuer.status().ToString();
  EXPECT_EQ(issuer.value(), "https://sigstore.verify.ibm.com/oauth2");
  // Both issuer extensions are present in this certificate: v2 is DER, v1 raw.
  EXPECT_EQ(leaf.ExtensionValue("1.3.6.1.4.1.57264.1.1"), "https://sigstore.verify.ibm.com/oauth2");
  EXPECT_EQ(leaf.ExtensionValue("1.3.6.1.4.1.57264.1.8").substr(2), "https://sigstore.verify.ibm.com/oauth2");
  EXPECT_TRUE(CheckCodeSigningUsage(leaf).ok());
  EXPECT_TRUE(CheckIdentity(leaf, {"stefanb@us.ibm.com", "https://sigstore.verify.ibm.com/oauth2"}).ok());
  Status wrong_san = CheckIdentity(leaf, {"stefanb@us.ibm.co", "https://sigstore.verify.ibm.com/oauth2"});
  EXPECT_EQ(wrong_san.message(), "identity: SAN 'stefanb@us.ibm.com' does not match the expected 'stefanb@us.ibm.co'");
  Status wrong_issuer = CheckIdentity(leaf, {"stefanb@us.ibm.com", "https://sigstore.verify.ibm.com"});
  EXPECT_NE(wrong_issuer.message().find("identity: issuer"), std::string::npos);
}

TEST(FulcioIdentity, CertificateWithoutFulcioExtensions) {
  Certificate leaf = TestPkiCert("signing-key-cert.pem");
  Result<std::string> issuer = OidcIssuer(leaf);
  ASSERT_FALSE(issuer.ok());
  EXPECT_EQ(issuer.status().message(), "certificate: no OIDC issuer extension");
  Status st = CheckIdentity(leaf, {"x@y", "z"});
  EXPECT_EQ(st.message(), "identity: SAN (none) does not match the expected 'x@y'");
  // The test PKI leaf has digitalSignature and the code-signing EKU; its root CA has neither.
  EXPECT_TRUE(CheckCodeSigningUsage(leaf).ok());
  Status usage = CheckCodeSigningUsage(TestPkiCert("ca-cert.pem"));
  ASSERT_FALSE(usage.ok());
  EXPECT_EQ(usage.message().rfind("certificate: ", 0), 0u) << usage.message();
}

}  // namespace
}  // namespace modelgate::provenance::sigstore
