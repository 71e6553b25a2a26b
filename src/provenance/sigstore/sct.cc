// Embedded SCT verification: see sct.h.
#include "provenance/sigstore/sct.h"

#include "provenance/sigstore/json_fields.h"

namespace modelgate::provenance::sigstore {

Status VerifyEmbeddedScts(const Certificate& leaf, const Certificate& issuer, const TrustedRoot& root) {
  Result<std::vector<EmbeddedSct>> scts = EmbeddedScts(leaf, issuer);
  if (!scts.ok()) return Status::Corruption("certificate transparency: " + scts.status().message());
  if (scts->empty()) return Status::Corruption("certificate transparency: no embedded SCT");
  std::size_t verified = 0;
  for (const EmbeddedSct& sct : scts.value()) {
    const TransparencyLog* log = nullptr;
    for (const TransparencyLog& ct : root.ctlogs) {
      if (ct.log_id == sct.log_id) log = &ct;
    }
    if (log == nullptr) continue;
    if (!sct.sha256 || !log->key.Verify(sct.signed_data, sct.signature, DigestKind::kSha256).ok()) {
      return Status::Corruption("certificate transparency: SCT of log " + Hex(sct.log_id) + " does not verify");
    }
    ++verified;
  }
  if (verified == 0) return Status::Corruption("certificate transparency: no SCT from a CT log of the trusted root");
  return Status::Ok();
}

}  // namespace modelgate::provenance::sigstore
