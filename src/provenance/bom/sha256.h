// SHA-256 through OpenSSL EVP, for the bill of materials.
//
// A local helper until the shared hashing (src/base/hashing.h) lands with the
// manifest; the BOM then takes its digests from BuildManifest so they are the
// signature's digests byte for byte.
#ifndef MODELGATE_PROVENANCE_BOM_SHA256_H_
#define MODELGATE_PROVENANCE_BOM_SHA256_H_

#include <string>
#include <string_view>

#include "modelgate/byte_reader.h"

namespace modelgate::provenance::bom {

// The raw 32-byte SHA-256 of `bytes`. Thread-safe.
std::string Sha256Raw(ByteView bytes);

// Lowercase hex of raw bytes.
std::string LowerHex(std::string_view raw);

}  // namespace modelgate::provenance::bom

#endif  // MODELGATE_PROVENANCE_BOM_SHA256_H_
