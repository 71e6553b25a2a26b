// Fuzzes the BOM's reading of a detached signature: bundle JSON, base64
// payload, in-toto statement.
#include <cstddef>
#include <cstdint>

#include "modelgate/limits.h"
#include "provenance/bom/signature_facts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const modelgate::Limits limits = modelgate::Limits::ForFuzzing();
  (void)modelgate::provenance::bom::ReadSignedStatement(modelgate::ByteView(data, size), limits);
  (void)modelgate::provenance::bom::DecodeBase64Strict(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
