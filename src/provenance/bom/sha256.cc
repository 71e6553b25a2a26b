#include "provenance/bom/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace modelgate::provenance::bom {

std::string Sha256Raw(ByteView bytes) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Failure here means OpenSSL cannot allocate a context or lacks SHA-256:
  // no digest can be trusted, so stop rather than print a wrong one.
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &len) != 1 || len != 32) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string LowerHex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 0xf]);
  }
  return hex;
}

}  // namespace modelgate::provenance::bom
