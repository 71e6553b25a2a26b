// Fuzz target for Sigstore bundle reading: ParseBundle on arbitrary bytes,
// then the bundle's own invariants, the DSSE encodings of whatever payload it
// carried, and a write/read round trip of the envelope.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "provenance/bundle.h"
#include "provenance/dsse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  using namespace modelgate::provenance;
  static const Limits limits = Limits::ForFuzzing();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Bundle> bundle = ParseBundle(text, limits);
  if (!bundle.ok()) {
    if (bundle.status().message().empty()) std::abort();
    return 0;
  }
  const Bundle& b = bundle.value();
  if (b.minor_version < 1 || b.minor_version > 3) std::abort();
  if (b.material != MaterialKind::kPublicKey && b.certificates.empty()) std::abort();
  if (b.certificates.size() > limits.max_certificates) std::abort();
  if (b.tlog_entries.size() > limits.max_tlog_entries) std::abort();
  if (b.material == MaterialKind::kCertificate && b.tlog_entries.empty()) std::abort();
  if (b.envelope.payload.size() > limits.max_statement_bytes) std::abort();

  const std::string pae = PreAuthEncoding(b.envelope.payload_type, b.envelope.payload);
  if (pae.size() < b.envelope.payload.size() + b.envelope.payload_type.size() + 10) std::abort();
  const std::string legacy = LegacyPreAuthEncoding(b.envelope.payload_type, b.envelope.payload);
  if (legacy.size() < b.envelope.payload.size()) std::abort();

  const nlohmann::json written = nlohmann::json::parse(
      DsseToJson(b.envelope).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), nullptr, false);
  if (written.is_discarded()) std::abort();
  Result<DsseEnvelope> again = DsseFromJson(written, limits.max_statement_bytes);
  if (!again.ok() || again->payload != b.envelope.payload || again->signatures.size() != b.envelope.signatures.size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < b.envelope.signatures.size(); ++i) {
    if (again->signatures[i].sig != b.envelope.signatures[i].sig) std::abort();
  }
  return 0;
}
