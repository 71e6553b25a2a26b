// Offline Sigstore evidence verification: see sigstore_verifier.h.
#include "provenance/sigstore/sigstore_verifier.h"

#include <chrono>
#include <ctime>
#include <vector>

#include "provenance/sigstore/json_fields.h"
#include "provenance/sigstore/rekor_entry.h"
#include "provenance/sigstore/sct.h"
#include "provenance/sigstore/timestamp.h"

namespace modelgate::provenance::sigstore {

using nlohmann::json;

namespace {

enum class BundleVersion { kV01, kV02, kV03 };

Result<BundleVersion> ReadMediaType(const json& bundle) {
  Result<std::string> media_type = RequiredString(bundle, "mediaType", "bundle");
  if (!media_type.ok()) return media_type.status();
  const std::string& m = media_type.value();
  if (m == "application/vnd.dev.sigstore.bundle+json;version=0.1") return BundleVersion::kV01;
  if (m == "application/vnd.dev.sigstore.bundle+json;version=0.2") return BundleVersion::kV02;
  if (m == "application/vnd.dev.sigstore.bundle+json;version=0.3" ||
      m == "application/vnd.dev.sigstore.bundle.v0.3+json") {
    return BundleVersion::kV03;
  }
  return Status::NotSupported("bundle: media type '" + m + "' is not a Sigstore bundle v0.1, v0.2 or v0.3");
}

// The leaf certificate: verificationMaterial.certificate (v0.3) or the first
// of x509CertificateChain (v0.1/v0.2; v0.3 writers may still use it).
// Intermediates a bundle carries are ignored: the chain comes from the
// trusted root only.
Result<Certificate> ReadLeaf(const json& material, const Limits& limits) {
  const std::string path = "bundle.verificationMaterial";
  if (const json* cert = Member(material, "certificate")) {
    Result<std::string> der = RequiredBase64(*cert, "rawBytes", path + ".certificate");
    if (!der.ok()) return der.status();
    Result<Certificate> leaf = Certificate::FromDer(der.value());
    if (!leaf.ok()) return Status::Corruption(path + ".certificate: " + leaf.status().message());
    return leaf;
  }
  if (const json* chain = Member(material, "x509CertificateChain")) {
    Result<const json*> certs =
        RequiredArray(*chain, "certificates", path + ".x509CertificateChain", limits.max_certificates);
    if (!certs.ok()) return certs.status();
    if (certs.value()->empty()) return Status::Corruption(path + ".x509CertificateChain.certificates: empty");
    Result<std::string> der =
        RequiredBase64(certs.value()->front(), "rawBytes", path + ".x509CertificateChain.certificates[0]");
    if (!der.ok()) return der.status();
    Result<Certificate> leaf = Certificate::FromDer(der.value());
    if (!leaf.ok()) return Status::Corruption(path + ".x509CertificateChain.certificates[0]: " + leaf.status().message());
    return leaf;
  }
  if (Member(material, "publicKey") != nullptr) {
    return Status::InvalidArgument(
        "bundle: signed with a public key, not a Fulcio certificate (verify it with --key, not --trusted-root)");
  }
  return Status::Corruption(path + ": no certificate");
}

std::string FormatTime(UnixSeconds t) {
  std::time_t tt = static_cast<std::time_t>(t);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// On success *issuer is the CA certificate that signed `leaf`.
Status VerifyFulcioChain(const Certificate& leaf, const TrustedRoot& root, UnixSeconds at, Certificate* issuer) {
  const UnixSeconds not_before = std::chrono::system_clock::to_time_t(leaf.NotBefore());
  const UnixSeconds not_after = std::chrono::system_clock::to_time_t(leaf.NotAfter());
  if (at < not_before || at > not_after) {
    return Status::Corruption("certificate: not valid at the tlog entry's integratedTime " + FormatTime(at) +
                              " (valid " + FormatTime(not_before) + " to " + FormatTime(not_after) + ")");
  }
  Status last = Status::Corruption("certificate chain: no Fulcio CA of the trusted root is valid at " + FormatTime(at));
  const auto when = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(at));
  for (const CertificateAuthority& ca : root.certificate_authorities) {
    if (!ca.valid_for.Contains(at) || ca.chain.empty()) continue;
    std::vector<Certificate> intermediates(ca.chain.begin(), ca.chain.end() - 1);
    Status st = VerifyCertificateChain(leaf, intermediates, {ca.chain.back()}, when);
    if (st.ok()) {
      *issuer = ca.chain.front();
      return st;
    }
    last = st;
  }
  return last;
}

// The entry body must record this envelope and this certificate: a valid
// tlog entry of another signature must not vouch for this one.
Status CheckBinding(const TlogEntry& entry, const DsseView& envelope, const Certificate& leaf, const Limits& limits) {
  Result<DsseEntryBody> body = ParseDsseEntryBody(entry.canonicalized_body, limits);
  if (!body.ok()) return body.status();
  if (body->payload_hash_hex != Hex(Sha256(envelope.payload))) {
    return Status::Corruption("tlog entry: payload hash differs from this envelope's payload");
  }
  if (body->signatures.size() != 1) {
    return Status::Corruption("tlog entry: records " + std::to_string(body->signatures.size()) +
                              " signatures, the envelope has 1");
  }
  const DsseEntryBody::Signature& sig = body->signatures.front();
  if (sig.signature != envelope.signature) {
    return Status::Corruption("tlog entry: signature differs from this envelope's signature");
  }
  Result<std::vector<Certificate>> verifier = Certificate::ChainFromPem(sig.verifier);
  if (!verifier.ok() || verifier->size() != 1 || verifier->front().Der() != leaf.Der()) {
    return Status::Corruption("tlog entry: verifier differs from the bundle's certificate");
  }
  return Status::Ok();
}

}  // namespace

Result<DsseView> DsseViewFromBundle(const json& bundle, const Limits& limits) {
  const json* env = Member(bundle, "dsseEnvelope");
  if (env == nullptr || !env->is_object()) return Status::Corruption("bundle: dsseEnvelope missing");
  DsseView view;
  Result<std::string> type = RequiredString(*env, "payloadType", "bundle.dsseEnvelope");
  if (!type.ok()) return type.status();
  view.payload_type = std::move(type).value();
  Result<std::string> payload = RequiredBase64(*env, "payload", "bundle.dsseEnvelope");
  if (!payload.ok()) return payload.status();
  if (payload->size() > limits.max_statement_bytes) {
    return Status::LimitExceeded("bundle.dsseEnvelope.payload: " + std::to_string(payload->size()) +
                                 " bytes exceed the limit of " + std::to_string(limits.max_statement_bytes));
  }
  view.payload = std::move(payload).value();
  Result<const json*> sigs = RequiredArray(*env, "signatures", "bundle.dsseEnvelope", limits.max_certificates);
  if (!sigs.ok()) return sigs.status();
  if (sigs.value()->size() != 1) {
    return Status::NotSupported("bundle: dsseEnvelope has " + std::to_string(sigs.value()->size()) +
                                " signatures (exactly one is supported)");
  }
  Result<std::string> sig = RequiredBase64(sigs.value()->front(), "sig", "bundle.dsseEnvelope.signatures[0]");
  if (!sig.ok()) return sig.status();
  view.signature = std::move(sig).value();
  return view;
}

Result<Certificate> VerifySigstoreEvidence(const json& bundle, const TrustedRoot& root, const IdentityPolicy& policy,
                                           const DsseView& envelope, const Limits& limits) {
  // 1. Shape.
  if (!bundle.is_object()) return Status::Corruption("bundle: not a JSON object");
  Result<BundleVersion> version = ReadMediaType(bundle);
  if (!version.ok()) return version.status();
  Result<const json*> material = RequiredObject(bundle, "verificationMaterial", "bundle");
  if (!material.ok()) return material.status();
  Result<Certificate> leaf = ReadLeaf(*material.value(), limits);
  if (!leaf.ok()) return leaf.status();
  const json* entries = Member(*material.value(), "tlogEntries");
  if (entries == nullptr || !entries->is_array() || entries->empty()) {
    return Status::Corruption("bundle: no transparency-log entry (verificationMaterial.tlogEntries)");
  }
  if (entries->size() > limits.max_tlog_entries) {
    return Status::LimitExceeded("bundle: " + std::to_string(entries->size()) + " tlog entries exceed the limit of " +
                                 std::to_string(limits.max_tlog_entries));
  }
  if (entries->size() != 1) {
    return Status::NotSupported("bundle: " + std::to_string(entries->size()) +
                                " tlog entries (exactly one is supported)");
  }
  Result<TlogEntry> entry = ParseTlogEntry(entries->front(), "bundle.verificationMaterial.tlogEntries[0]", limits);
  if (!entry.ok()) return entry.status();
  if (entry->kind != "dsse" || entry->version != "0.0.1") {
    return Status::NotSupported("tlog entry: kind '" + entry->kind + "' version '" + entry->version +
                                "' is not supported (dsse 0.0.1 is)");
  }

  // 2. The log.
  const TransparencyLog* log = root.FindTlog(entry->log_id);
  if (log == nullptr) {
    return Status::Corruption("tlog entry: log id " + Hex(entry->log_id) + " is not a Rekor log of the trusted root");
  }
  const UnixSeconds integrated_time = entry->integrated_time;
  if (!log->valid_for.Contains(integrated_time)) {
    return Status::Corruption("tlog entry: the key of log " + Hex(entry->log_id) + " is not valid at integratedTime " +
                              FormatTime(integrated_time));
  }

  // 3. Signed entry timestamp: authenticates integratedTime and the body.
  MODELGATE_RETURN_IF_ERROR(VerifySignedEntryTimestamp(entry.value(), *log));

  // 4. Inclusion proof and checkpoint.
  if (entry->inclusion_proof || version.value() != BundleVersion::kV01) {
    MODELGATE_RETURN_IF_ERROR(VerifyInclusionProof(entry.value(), *log));
  }

  // 5. Certificate chain and usage at integratedTime.
  Certificate issuer;
  MODELGATE_RETURN_IF_ERROR(VerifyFulcioChain(leaf.value(), root, integrated_time, &issuer));
  MODELGATE_RETURN_IF_ERROR(CheckCodeSigningUsage(leaf.value()));
  MODELGATE_RETURN_IF_ERROR(VerifyEmbeddedScts(leaf.value(), issuer, root));

  // 5b. RFC 3161 timestamps over the signature: each must verify, and the
  // certificate must have been valid at its time too.
  Result<std::vector<UnixSeconds>> stamps = VerifyBundleTimestamps(*material.value(), envelope.signature, root, limits);
  if (!stamps.ok()) return stamps.status();
  for (UnixSeconds t : stamps.value()) {
    const UnixSeconds not_before = std::chrono::system_clock::to_time_t(leaf->NotBefore());
    const UnixSeconds not_after = std::chrono::system_clock::to_time_t(leaf->NotAfter());
    if (t < not_before || t > not_after) {
      return Status::Corruption("certificate: not valid at the RFC 3161 timestamp's time " + FormatTime(t));
    }
  }

  // 6. Identity.
  MODELGATE_RETURN_IF_ERROR(CheckIdentity(leaf.value(), policy));

  // 7. The entry records this envelope and this certificate.
  MODELGATE_RETURN_IF_ERROR(CheckBinding(entry.value(), envelope, leaf.value(), limits));
  return leaf;
}

}  // namespace modelgate::provenance::sigstore
