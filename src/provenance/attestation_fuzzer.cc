// Fuzz target for ParseGateStatement: arbitrary bytes as the decoded payload
// of an attestation. Oracle: an accepted statement's subject digest is the
// root digest of the resources it lists (the parser's own promise).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "provenance/attestation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  using namespace modelgate::provenance;
  static const Limits limits = Limits::ForFuzzing();
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  Result<ParsedAttestation> parsed = ParseGateStatement(payload, limits);
  if (!parsed.ok()) return 0;
  if (parsed->manifest.RootDigest() != parsed->subject_digest) abort();
  if (parsed->verdict != "pass" && parsed->verdict != "fail") abort();
  return 0;
}
