// RFC 3161 timestamps of a bundle: see timestamp.h.
#include "provenance/sigstore/timestamp.h"

#include <chrono>

#include "provenance/crypto.h"
#include "provenance/sigstore/json_fields.h"

namespace modelgate::provenance::sigstore {

using nlohmann::json;

Result<std::vector<UnixSeconds>> VerifyBundleTimestamps(const json& material, const std::string& signature,
                                                        const TrustedRoot& root, const Limits& limits) {
  std::vector<UnixSeconds> times;
  const json* data = Member(material, "timestampVerificationData");
  if (data == nullptr) return times;
  const std::string path = "bundle.verificationMaterial.timestampVerificationData";
  if (Member(*data, "rfc3161Timestamps") == nullptr) return times;
  Result<const json*> list = RequiredArray(*data, "rfc3161Timestamps", path, limits.max_tlog_entries);
  if (!list.ok()) return list.status();
  for (std::size_t i = 0; i < list.value()->size(); ++i) {
    const std::string name = "timestamp[" + std::to_string(i) + "]";
    Result<std::string> der = RequiredBase64((*list.value())[i], "signedTimestamp", path + ".rfc3161Timestamps[" +
                                                                                        std::to_string(i) + "]");
    if (!der.ok()) return der.status();
    std::string reason = "no timestamp authority in the trusted root";
    bool accepted = false;
    for (const CertificateAuthority& tsa : root.timestamp_authorities) {
      if (tsa.chain.empty()) continue;
      std::vector<Certificate> intermediates(tsa.chain.begin(), tsa.chain.end() - 1);
      Result<std::chrono::system_clock::time_point> when =
          VerifyRfc3161Timestamp(der.value(), signature, intermediates, {tsa.chain.back()});
      if (!when.ok()) {
        reason = when.status().message();
        continue;
      }
      const UnixSeconds t = std::chrono::system_clock::to_time_t(when.value());
      if (!tsa.valid_for.Contains(t)) {
        reason = "the authority's validFor does not contain the timestamp's time";
        continue;
      }
      times.push_back(t);
      accepted = true;
      break;
    }
    if (!accepted) {
      return Status::Corruption(name + ": no timestamp authority of the trusted root verifies it (" + reason + ")");
    }
  }
  return times;
}

}  // namespace modelgate::provenance::sigstore
