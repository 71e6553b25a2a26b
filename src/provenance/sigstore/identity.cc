// Fulcio identity extraction: see identity.h. The extensions are read with a
// small DER walker (one level, bounds-checked) over the raw extension value
// that crypto.h hands out.
#include "provenance/sigstore/identity.h"

#include <cstdint>
#include <string_view>

namespace modelgate::provenance::sigstore {

namespace {

constexpr std::string_view kIssuerV2Oid = "1.3.6.1.4.1.57264.1.8";
constexpr std::string_view kIssuerV1Oid = "1.3.6.1.4.1.57264.1.1";
constexpr std::string_view kExtendedKeyUsageOid = "2.5.29.37";
constexpr std::string_view kKeyUsageOid = "2.5.29.15";
// DER contents of OID 1.3.6.1.5.5.7.3.3 (id-kp-codeSigning).
constexpr std::string_view kCodeSigningOidDer = "\x2b\x06\x01\x05\x05\x07\x03\x03";

struct Tlv {
  std::uint8_t tag = 0;
  std::string_view value;
};

// Reads one DER TLV (single-byte tag, definite length) from the front of *in.
bool ReadTlv(std::string_view* in, Tlv* out) {
  if (in->size() < 2) return false;
  out->tag = static_cast<std::uint8_t>((*in)[0]);
  if ((out->tag & 0x1F) == 0x1F) return false;  // multi-byte tags never occur here
  std::size_t pos = 2;
  std::size_t length = static_cast<std::uint8_t>((*in)[1]);
  if (length & 0x80) {
    std::size_t octets = length & 0x7F;
    if (octets == 0 || octets > 4 || in->size() < 2 + octets) return false;
    length = 0;
    for (std::size_t i = 0; i < octets; ++i) length = (length << 8) | static_cast<std::uint8_t>((*in)[2 + i]);
    pos += octets;
  }
  if (length > in->size() - pos) return false;
  out->value = in->substr(pos, length);
  in->remove_prefix(pos + length);
  return true;
}

}  // namespace

Result<std::string> OidcIssuer(const Certificate& cert) {
  std::string v2 = cert.ExtensionValue(kIssuerV2Oid);
  std::string v1 = cert.ExtensionValue(kIssuerV1Oid);
  std::string issuer;
  if (!v2.empty()) {
    std::string_view in = v2;
    Tlv tlv;
    if (!ReadTlv(&in, &tlv) || tlv.tag != 0x0C || !in.empty()) {
      return Status::Corruption("certificate: OIDC issuer extension (1.3.6.1.4.1.57264.1.8) is not a UTF8String");
    }
    issuer = std::string(tlv.value);
  }
  if (!v1.empty()) {
    if (!issuer.empty() && issuer != v1) return Status::Corruption("certificate: OIDC issuer extensions disagree");
    if (issuer.empty()) issuer = v1;
  }
  if (issuer.empty()) return Status::Corruption("certificate: no OIDC issuer extension");
  return issuer;
}

Status CheckCodeSigningUsage(const Certificate& cert) {
  std::string key_usage = cert.ExtensionValue(kKeyUsageOid);
  std::string_view ku = key_usage;
  Tlv bits;
  // KeyUsage ::= BIT STRING; digitalSignature is bit 0 (0x80 of the first byte).
  if (!ReadTlv(&ku, &bits) || bits.tag != 0x03 || bits.value.size() < 2 ||
      (static_cast<std::uint8_t>(bits.value[1]) & 0x80) == 0) {
    return Status::Corruption("certificate: key usage does not include digitalSignature");
  }
  std::string eku = cert.ExtensionValue(kExtendedKeyUsageOid);
  std::string_view outer_in = eku;
  Tlv seq;
  if (!ReadTlv(&outer_in, &seq) || seq.tag != 0x30) {
    return Status::Corruption("certificate: no extended key usage");
  }
  std::string_view in = seq.value;
  while (!in.empty()) {
    Tlv oid;
    if (!ReadTlv(&in, &oid) || oid.tag != 0x06) return Status::Corruption("certificate: malformed extended key usage");
    if (oid.value == kCodeSigningOidDer) return Status::Ok();
  }
  return Status::Corruption("certificate: extended key usage does not include code signing");
}

Status CheckIdentity(const Certificate& cert, const IdentityPolicy& policy) {
  std::vector<std::string> sans = cert.SubjectAlternativeNames();
  bool san_matches = false;
  for (const std::string& san : sans) san_matches = san_matches || san == policy.san;
  if (!san_matches) {
    std::string found = sans.empty() ? "(none)" : "'" + sans.front() + "'";
    return Status::Corruption("identity: SAN " + found + " does not match the expected '" + policy.san + "'");
  }
  Result<std::string> issuer = OidcIssuer(cert);
  if (!issuer.ok()) return issuer.status();
  if (issuer.value() != policy.issuer) {
    return Status::Corruption("identity: issuer '" + issuer.value() + "' does not match the expected '" +
                              policy.issuer + "'");
  }
  return Status::Ok();
}

}  // namespace modelgate::provenance::sigstore
