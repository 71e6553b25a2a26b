// OpenSSL 3 behind crypto.h. Every OpenSSL object lives in a unique_ptr with
// its free function, so an early error return never leaks; errors drain
// OpenSSL's thread-local error queue into the Status text so a stale error
// never shows up under a later, unrelated failure.
#include "provenance/crypto.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <utility>

namespace modelgate::provenance {

namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    if (p) Free(p);
  }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using SctListPtr = std::unique_ptr<STACK_OF(SCT), Deleter<SCT_LIST_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, Deleter<TS_RESP_free>>;
using TsVerifyCtxPtr = std::unique_ptr<TS_VERIFY_CTX, Deleter<TS_VERIFY_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

struct X509StackDeleter {
  // The stack does not own its certificates: they belong to Certificate values.
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;
struct X509OwningStackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509OwningStackPtr = std::unique_ptr<STACK_OF(X509), X509OwningStackDeleter>;

// Drains the error queue: "<context>: <first reason>" (or just the context).
std::string DrainErrors(std::string_view context) {
  std::string text(context);
  unsigned long first = ERR_get_error();
  if (first != 0) {
    char buf[256];
    ERR_error_string_n(first, buf, sizeof buf);
    text += ": ";
    text += buf;
  }
  ERR_clear_error();
  return text;
}

Status OpenSslError(std::string_view context) { return Status::Corruption(DrainErrors(context)); }

BioPtr MemoryBio(std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

const EVP_MD* MdFor(DigestKind kind) {
  switch (kind) {
    case DigestKind::kSha384:
      return EVP_sha384();
    case DigestKind::kSha512:
      return EVP_sha512();
    case DigestKind::kSha256:
      break;
  }
  return EVP_sha256();
}

// Ed25519 signs the message itself: no separate digest.
bool IsPureSigner(const EVP_PKEY* pkey) { return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519; }

std::chrono::system_clock::time_point FromAsn1Time(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// Password callback that never prompts: an encrypted key without a password
// fails instead of reading the terminal (OpenSSL's default callback would).
struct PasswordSource {
  std::string_view password;
  bool asked = false;
};

int PasswordCallback(char* buf, int size, int /*rwflag*/, void* u) {
  auto* source = static_cast<PasswordSource*>(u);
  source->asked = true;
  if (source->password.empty() || source->password.size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, source->password.data(), source->password.size());
  return static_cast<int>(source->password.size());
}

}  // namespace

struct PublicKey::Impl {
  PkeyPtr pkey;
};
struct PrivateKey::Impl {
  PkeyPtr pkey;
};
struct Certificate::Impl {
  X509Ptr x509;
};

// ---- digests ---------------------------------------------------------------

std::string Digest(DigestKind kind, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out, &n, MdFor(kind), nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string Sha256(std::string_view data) { return Digest(DigestKind::kSha256, data); }

// ---- public keys -----------------------------------------------------------

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  if (!bio) return Status::Corruption("public key: PEM too large");
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return OpenSslError("public key: not a PEM SubjectPublicKeyInfo");
  PublicKey key;
  key.impl = std::make_shared<Impl>(Impl{std::move(pkey)});
  return key;
}

Result<PublicKey> PublicKey::FromDer(std::string_view spki_der) {
  if (spki_der.size() > static_cast<std::size_t>(LONG_MAX)) return Status::Corruption("public key: DER too large");
  const unsigned char* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!pkey) return OpenSslError("public key: not a DER SubjectPublicKeyInfo");
  if (p != reinterpret_cast<const unsigned char*>(spki_der.data()) + spki_der.size()) {
    return Status::Corruption("public key: trailing bytes after the DER SubjectPublicKeyInfo");
  }
  PublicKey key;
  key.impl = std::make_shared<Impl>(Impl{std::move(pkey)});
  return key;
}

DigestKind PublicKey::DefaultDigest() const {
  if (!impl || EVP_PKEY_get_base_id(impl->pkey.get()) != EVP_PKEY_EC) return DigestKind::kSha256;
  int bits = EVP_PKEY_get_bits(impl->pkey.get());
  if (bits > 384) return DigestKind::kSha512;
  if (bits > 256) return DigestKind::kSha384;
  return DigestKind::kSha256;
}

std::string PublicKey::KeyDetails() const {
  if (!impl) return "";
  const EVP_PKEY* pkey = impl->pkey.get();
  int bits = EVP_PKEY_get_bits(pkey);
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC:
      if (bits == 256) return "PKIX_ECDSA_P256_SHA_256";
      if (bits == 384) return "PKIX_ECDSA_P384_SHA_384";
      if (bits == 521) return "PKIX_ECDSA_P521_SHA_512";
      return "";
    case EVP_PKEY_ED25519:
      return "PKIX_ED25519";
    case EVP_PKEY_RSA:
      return "PKIX_RSA_PKCS1V15_" + std::to_string(bits) + "_SHA256";
    default:
      return "";
  }
}

Status PublicKey::Verify(std::string_view message, std::string_view signature, DigestKind digest) const {
  if (!impl) return Status::InvalidArgument("signature: no public key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpenSslError("signature: out of memory");
  EVP_PKEY* pkey = impl->pkey.get();
  const EVP_MD* md = IsPureSigner(pkey) ? nullptr : MdFor(digest);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey) != 1) {
    return OpenSslError("signature: cannot verify with this key");
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (rc == 1) return Status::Ok();
  // 0 = wrong signature; <0 = malformed (e.g. not DER): both are a failed check.
  ERR_clear_error();
  return Status::Corruption("signature does not verify");
}

std::string PublicKey::SpkiDer() const {
  if (!impl) return "";
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(impl->pkey.get(), &der);
  if (n <= 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

std::string PublicKey::Pem() const {
  if (!impl) return "";
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl->pkey.get()) != 1) {
    ERR_clear_error();
    return "";
  }
  return BioContents(bio.get());
}

// ---- private keys ----------------------------------------------------------

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem, std::string_view password) {
  BioPtr bio = MemoryBio(pem);
  if (!bio) return Status::Corruption("private key: PEM too large");
  PasswordSource source{password};
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, PasswordCallback, &source));
  if (!pkey) {
    if (source.asked && password.empty()) {
      ERR_clear_error();
      return Status::InvalidArgument("private key: encrypted, and no password was given");
    }
    if (source.asked) return OpenSslError("private key: wrong password or damaged key");
    return OpenSslError("private key: not a PEM private key");
  }
  PrivateKey key;
  key.impl = std::make_shared<Impl>(Impl{std::move(pkey)});
  return key;
}

PublicKey PrivateKey::Public() const {
  PublicKey pub;
  if (!impl) return pub;
  // Through DER so the public value holds no private material.
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(impl->pkey.get(), &der);
  if (n <= 0) {
    ERR_clear_error();
    return pub;
  }
  const unsigned char* p = der;
  PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, n));
  OPENSSL_free(der);
  if (!pkey) {
    ERR_clear_error();
    return pub;
  }
  pub.impl = std::make_shared<PublicKey::Impl>(PublicKey::Impl{std::move(pkey)});
  return pub;
}

Result<std::string> PrivateKey::Sign(std::string_view message) const {
  if (!impl) return Status::InvalidArgument("sign: no private key");
  EVP_PKEY* pkey = impl->pkey.get();
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpenSslError("sign: out of memory");
  const EVP_MD* md = IsPureSigner(pkey) ? nullptr : MdFor(Public().DefaultDigest());
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey) != 1) {
    return OpenSslError("sign: cannot sign with this key");
  }
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, msg, message.size()) != 1) return OpenSslError("sign");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, msg, message.size()) != 1) {
    return OpenSslError("sign");
  }
  sig.resize(len);
  return sig;
}

// ---- certificates ----------------------------------------------------------

Result<Certificate> Certificate::FromDer(std::string_view der) {
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return Status::Corruption("certificate: DER too large");
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x509) return OpenSslError("certificate: not a DER X.509 certificate");
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return Status::Corruption("certificate: trailing bytes after the DER certificate");
  }
  Certificate cert;
  cert.impl = std::make_shared<Impl>(Impl{std::move(x509)});
  return cert;
}

Result<std::vector<Certificate>> Certificate::ChainFromPem(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  if (!bio) return Status::Corruption("certificate: PEM too large");
  std::vector<Certificate> chain;
  for (;;) {
    X509Ptr x509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!x509) {
      unsigned long err = ERR_peek_last_error();
      // Running out of PEM blocks is the normal end; anything else is damage.
      if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE && !chain.empty()) {
        ERR_clear_error();
        break;
      }
      if (chain.empty()) return OpenSslError("certificate: no PEM certificate");
      return OpenSslError("certificate " + std::to_string(chain.size() + 1) + " in PEM");
    }
    Certificate cert;
    cert.impl = std::make_shared<Impl>(Impl{std::move(x509)});
    chain.push_back(std::move(cert));
  }
  return chain;
}

std::string Certificate::Der() const {
  if (!impl) return "";
  unsigned char* der = nullptr;
  int n = i2d_X509(impl->x509.get(), &der);
  if (n <= 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

PublicKey Certificate::Key() const {
  PublicKey key;
  if (!impl) return key;
  EVP_PKEY* pkey = X509_get_pubkey(impl->x509.get());  // new reference
  if (!pkey) {
    ERR_clear_error();
    return key;
  }
  key.impl = std::make_shared<PublicKey::Impl>(PublicKey::Impl{PkeyPtr(pkey)});
  return key;
}

std::string Certificate::SubjectText() const {
  if (!impl) return "";
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(impl->x509.get()), 0, XN_FLAG_RFC2253);
  return BioContents(bio.get());
}

std::vector<std::string> Certificate::SubjectAlternativeNames() const {
  std::vector<std::string> names;
  if (!impl) return names;
  GeneralNamesPtr gens(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(impl->x509.get(), NID_subject_alt_name, nullptr, nullptr)));
  ERR_clear_error();
  if (!gens) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(gens.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(gens.get(), i);
    const ASN1_IA5STRING* text = nullptr;
    switch (gen->type) {
      case GEN_EMAIL:
        text = gen->d.rfc822Name;
        break;
      case GEN_URI:
        text = gen->d.uniformResourceIdentifier;
        break;
      case GEN_DNS:
        text = gen->d.dNSName;
        break;
      default:
        break;
    }
    if (text != nullptr) {
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                         static_cast<std::size_t>(ASN1_STRING_length(text)));
    }
  }
  return names;
}

std::string Certificate::ExtensionValue(std::string_view oid) const {
  if (!impl) return "";
  ObjPtr obj(OBJ_txt2obj(std::string(oid).c_str(), /*no_name=*/1));
  if (!obj) {
    ERR_clear_error();
    return "";
  }
  int index = X509_get_ext_by_OBJ(impl->x509.get(), obj.get(), -1);
  if (index < 0) return "";
  X509_EXTENSION* ext = X509_get_ext(impl->x509.get(), index);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  if (data == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

std::chrono::system_clock::time_point Certificate::NotBefore() const {
  return impl ? FromAsn1Time(X509_get0_notBefore(impl->x509.get())) : std::chrono::system_clock::time_point{};
}

std::chrono::system_clock::time_point Certificate::NotAfter() const {
  return impl ? FromAsn1Time(X509_get0_notAfter(impl->x509.get())) : std::chrono::system_clock::time_point{};
}

// ---- chain validation ------------------------------------------------------

Status VerifyCertificateChain(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                              const std::vector<Certificate>& roots, std::chrono::system_clock::time_point at) {
  if (!leaf.impl) return Status::InvalidArgument("certificate chain: no leaf certificate");
  if (roots.empty()) return Status::InvalidArgument("certificate chain: no trusted root");
  StorePtr store(X509_STORE_new());
  X509StackPtr untrusted(sk_X509_new_null());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return OpenSslError("certificate chain: out of memory");
  for (const Certificate& root : roots) {
    if (!root.impl || X509_STORE_add_cert(store.get(), root.impl->x509.get()) != 1) {
      return OpenSslError("certificate chain: cannot add a trusted root");
    }
  }
  for (const Certificate& cert : intermediates) {
    if (!cert.impl || sk_X509_push(untrusted.get(), cert.impl->x509.get()) <= 0) {
      return OpenSslError("certificate chain: cannot add an intermediate");
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.impl->x509.get(), untrusted.get()) != 1) {
    return OpenSslError("certificate chain: cannot initialise verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // Only a configured root may end the chain: an intermediate in `roots`
  // would otherwise be trusted on its own (X509_V_FLAG_PARTIAL_CHAIN).
  X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
  int rc = X509_verify_cert(ctx.get());
  if (rc == 1) {
    ERR_clear_error();
    return Status::Ok();
  }
  int err = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  std::string where;
  if (X509* bad = X509_STORE_CTX_get_current_cert(ctx.get())) {
    Certificate shown;
    X509_up_ref(bad);
    shown.impl = std::make_shared<Certificate::Impl>(Certificate::Impl{X509Ptr(bad)});
    where = " (depth " + std::to_string(depth) + ", " + shown.SubjectText() + ")";
  }
  ERR_clear_error();
  return Status::Corruption(std::string("certificate chain: ") + X509_verify_cert_error_string(err) + where);
}

// ---- embedded SCTs ---------------------------------------------------------

Result<std::vector<EmbeddedSct>> EmbeddedScts(const Certificate& leaf, const Certificate& issuer) {
  std::vector<EmbeddedSct> out;
  if (!leaf.impl || !issuer.impl) return Status::InvalidArgument("SCT: no certificate");
  int critical = 0;
  SctListPtr scts(static_cast<STACK_OF(SCT)*>(
      X509_get_ext_d2i(leaf.impl->x509.get(), NID_ct_precert_scts, &critical, nullptr)));
  if (!scts) {
    // critical == -1: absent; anything else: present but undecodable.
    if (critical == -1) {
      ERR_clear_error();
      return out;
    }
    return OpenSslError("SCT: malformed SCT list extension");
  }
  // The precertificate the log signed: the leaf's TBSCertificate without the SCT list.
  X509Ptr precert(X509_dup(leaf.impl->x509.get()));
  if (!precert) return OpenSslError("SCT: cannot copy the certificate");
  int index = X509_get_ext_by_NID(precert.get(), NID_ct_precert_scts, -1);
  if (index < 0) return Status::Corruption("SCT: extension vanished");
  X509_EXTENSION_free(X509_delete_ext(precert.get(), index));
  unsigned char* tbs = nullptr;
  int tbs_len = i2d_re_X509_tbs(precert.get(), &tbs);
  if (tbs_len <= 0) return OpenSslError("SCT: cannot encode the precertificate");
  std::string tbs_der(reinterpret_cast<const char*>(tbs), static_cast<std::size_t>(tbs_len));
  OPENSSL_free(tbs);
  if (tbs_der.size() >= (1u << 24)) return Status::Corruption("SCT: certificate too large");
  const std::string issuer_key_hash = Sha256(issuer.Key().SpkiDer());

  for (int i = 0; i < sk_SCT_num(scts.get()); ++i) {
    const SCT* sct = sk_SCT_value(scts.get(), i);
    if (SCT_get_version(sct) != SCT_VERSION_V1) return Status::NotSupported("SCT: version other than v1");
    EmbeddedSct item;
    unsigned char* log_id = nullptr;
    std::size_t log_id_len = SCT_get0_log_id(sct, &log_id);
    item.log_id.assign(reinterpret_cast<const char*>(log_id), log_id_len);
    item.timestamp_ms = SCT_get_timestamp(sct);
    unsigned char* sig = nullptr;
    std::size_t sig_len = SCT_get0_signature(sct, &sig);
    item.signature.assign(reinterpret_cast<const char*>(sig), sig_len);
    int nid = SCT_get_signature_nid(sct);
    item.sha256 = nid == NID_ecdsa_with_SHA256 || nid == NID_sha256WithRSAEncryption;
    unsigned char* ext = nullptr;
    std::size_t ext_len = SCT_get0_extensions(sct, &ext);
    if (ext_len >= (1u << 16)) return Status::Corruption("SCT: extensions too large");

    std::string& d = item.signed_data;
    d.push_back('\x00');  // sct_version v1
    d.push_back('\x00');  // signature_type certificate_timestamp
    for (int shift = 56; shift >= 0; shift -= 8) d.push_back(static_cast<char>((item.timestamp_ms >> shift) & 0xFF));
    d.push_back('\x00');  // entry_type precert_entry (1), big-endian u16
    d.push_back('\x01');
    d += issuer_key_hash;
    d.push_back(static_cast<char>((tbs_der.size() >> 16) & 0xFF));
    d.push_back(static_cast<char>((tbs_der.size() >> 8) & 0xFF));
    d.push_back(static_cast<char>(tbs_der.size() & 0xFF));
    d += tbs_der;
    d.push_back(static_cast<char>((ext_len >> 8) & 0xFF));
    d.push_back(static_cast<char>(ext_len & 0xFF));
    d.append(reinterpret_cast<const char*>(ext), ext_len);
    out.push_back(std::move(item));
  }
  return out;
}

// ---- RFC 3161 timestamps ----------------------------------------------------

Result<std::chrono::system_clock::time_point> VerifyRfc3161Timestamp(std::string_view response_der,
                                                                     std::string_view data,
                                                                     const std::vector<Certificate>& intermediates,
                                                                     const std::vector<Certificate>& roots) {
  if (roots.empty()) return Status::InvalidArgument("timestamp: no trusted timestamp authority");
  if (response_der.size() > static_cast<std::size_t>(LONG_MAX) || data.size() > static_cast<std::size_t>(INT_MAX)) {
    return Status::Corruption("timestamp: too large");
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(response_der.data());
  TsRespPtr response(d2i_TS_RESP(nullptr, &p, static_cast<long>(response_der.size())));
  if (!response) return OpenSslError("timestamp: not a DER TimeStampResp");
  if (p != reinterpret_cast<const unsigned char*>(response_der.data()) + response_der.size()) {
    return Status::Corruption("timestamp: trailing bytes after the TimeStampResp");
  }
  TS_TST_INFO* info = TS_RESP_get_tst_info(response.get());
  if (info == nullptr) return Status::Corruption("timestamp: no TSTInfo (not granted)");
  const ASN1_GENERALIZEDTIME* gen_time = TS_TST_INFO_get_time(info);
  struct tm tm {};
  if (gen_time == nullptr || ASN1_TIME_to_tm(gen_time, &tm) != 1) {
    ERR_clear_error();
    return Status::Corruption("timestamp: unreadable genTime");
  }
  const std::time_t when = timegm(&tm);

  // The verify context owns what it is given: an up-ref'd copy of everything.
  StorePtr store(X509_STORE_new());
  X509OwningStackPtr untrusted(sk_X509_new_null());
  BioPtr bio(BIO_new(BIO_s_mem()));
  TsVerifyCtxPtr ctx(TS_VERIFY_CTX_new());
  if (!store || !untrusted || !bio || !ctx) return OpenSslError("timestamp: out of memory");
  for (const Certificate& root : roots) {
    if (!root.impl || X509_STORE_add_cert(store.get(), root.impl->x509.get()) != 1) {
      return OpenSslError("timestamp: cannot add a trusted root");
    }
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()), when);
  X509_VERIFY_PARAM_clear_flags(X509_STORE_get0_param(store.get()), X509_V_FLAG_PARTIAL_CHAIN);
  for (const Certificate& cert : intermediates) {
    if (!cert.impl || X509_up_ref(cert.impl->x509.get()) != 1) return OpenSslError("timestamp: intermediate");
    if (sk_X509_push(untrusted.get(), cert.impl->x509.get()) <= 0) {
      X509_free(cert.impl->x509.get());
      return OpenSslError("timestamp: intermediate");
    }
  }
  if (BIO_write(bio.get(), data.data(), static_cast<int>(data.size())) != static_cast<int>(data.size())) {
    return OpenSslError("timestamp: out of memory");
  }
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
  TS_VERIFY_CTX_set_store(ctx.get(), store.release());
  TS_VERIFY_CTX_set_data(ctx.get(), bio.release());
  STACK_OF(X509)* certs = untrusted.release();
  TS_VERIFY_CTX_set_certs(ctx.get(), certs);
  if (TS_RESP_verify_response(ctx.get(), response.get()) != 1) return OpenSslError("timestamp");
  ERR_clear_error();
  return std::chrono::system_clock::from_time_t(when);
}

// ---- base64 ----------------------------------------------------------------

std::string EncodeBase64(std::string_view raw) {
  if (raw.empty()) return "";
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  // EVP_EncodeBlock takes an int length: encode in chunks that are multiples of 3.
  constexpr std::size_t kChunk = 3u << 20;
  std::size_t written = 0;
  for (std::size_t pos = 0; pos < raw.size(); pos += kChunk) {
    std::size_t n = std::min(kChunk, raw.size() - pos);
    written += static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + written),
                                                        reinterpret_cast<const unsigned char*>(raw.data() + pos),
                                                        static_cast<int>(n)));
  }
  out.resize(written);
  return out;
}

Result<std::string> DecodeBase64(std::string_view text) {
  // EVP_DecodeBlock skips leading/trailing whitespace, counts '=' padding as
  // zero bytes and accepts '=' anywhere it can decode; so the text is checked
  // strictly here first: the alphabet only, length a multiple of four, at
  // most two '=' and only at the end, and zero bits under the padding (one
  // byte string, one encoding).
  if (text.empty()) return std::string();
  if (text.size() % 4 != 0) return Status::Corruption("base64: length is not a multiple of 4");
  std::size_t padding = 0;
  if (text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    if (value(text[i]) < 0) {
      return Status::Corruption("base64: invalid character at offset " + std::to_string(i));
    }
  }
  if (padding == 2 && (value(text[text.size() - 3]) & 0x0F) != 0) {
    return Status::Corruption("base64: non-zero bits under the padding");
  }
  if (padding == 1 && (value(text[text.size() - 2]) & 0x03) != 0) {
    return Status::Corruption("base64: non-zero bits under the padding");
  }
  std::string out(text.size() / 4 * 3, '\0');
  constexpr std::size_t kChunk = 4u << 20;  // multiple of 4; EVP_DecodeBlock takes an int
  std::size_t written = 0;
  for (std::size_t pos = 0; pos < text.size(); pos += kChunk) {
    std::size_t n = std::min(kChunk, text.size() - pos);
    int got = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + written),
                              reinterpret_cast<const unsigned char*>(text.data() + pos), static_cast<int>(n));
    if (got < 0) return Status::Corruption("base64: undecodable");
    written += static_cast<std::size_t>(got);
  }
  out.resize(written - padding);
  return out;
}

}  // namespace modelgate::provenance
