#include "provenance/bundle.h"

#include <fmt/format.h>

#include "base/hashing.h"
#include "base/json_depth.h"

namespace modelgate::provenance {

namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Sigstore bundle media types, by minor version.
int MediaTypeMinorVersion(std::string_view media_type) {
  if (media_type == kBundleMediaTypeV03) return 3;
  static constexpr std::string_view kPrefix = "application/vnd.dev.sigstore.bundle+json;version=0.";
  if (media_type.size() == kPrefix.size() + 1 && media_type.substr(0, kPrefix.size()) == kPrefix) {
    const char minor = media_type.back();
    if (minor >= '1' && minor <= '3') return minor - '0';
  }
  return 0;
}

Result<std::string> CertificateDer(const Json& object, std::string_view where) {
  if (!object.is_object()) return Status::Corruption(fmt::format("{}: not an object", where));
  auto raw = object.find("rawBytes");
  if (raw == object.end() || !raw->is_string()) {
    return Status::Corruption(fmt::format("{}.rawBytes: missing or not a string", where));
  }
  Result<std::string> der = DecodeBase64(raw->get_ref<const std::string&>());
  if (!der.ok() || der->empty()) return Status::Corruption(fmt::format("{}.rawBytes: not base64", where));
  return der;
}

Status ReadMaterial(const Json& vm, const Limits& limits, Bundle* bundle) {
  if (!vm.is_object()) return Status::Corruption("bundle: verificationMaterial is not an object");
  const bool has_key = vm.contains("publicKey");
  const bool has_chain = vm.contains("x509CertificateChain");
  const bool has_cert = vm.contains("certificate");
  if (int(has_key) + int(has_chain) + int(has_cert) != 1) {
    return Status::Corruption(
        "bundle: verificationMaterial must hold exactly one of publicKey, x509CertificateChain, certificate");
  }
  if (has_key) {
    bundle->material = MaterialKind::kPublicKey;
    const Json& pk = vm["publicKey"];
    if (!pk.is_object()) return Status::Corruption("bundle: verificationMaterial.publicKey is not an object");
    if (auto hint = pk.find("hint"); hint != pk.end() && hint->is_string()) {
      bundle->public_key_hint = hint->get<std::string>();
    }
    if (auto raw = pk.find("rawBytes"); raw != pk.end() && raw->is_string()) {
      Result<std::string> bytes = DecodeBase64(raw->get_ref<const std::string&>());
      if (!bytes.ok()) return Status::Corruption("bundle: verificationMaterial.publicKey.rawBytes: not base64");
      bundle->public_key_raw_bytes = std::move(bytes).value();
    }
    if (auto details = pk.find("keyDetails"); details != pk.end() && details->is_string()) {
      bundle->public_key_details = details->get<std::string>();
    }
  } else if (has_chain) {
    bundle->material = MaterialKind::kCertificateChain;
    const Json& chain = vm["x509CertificateChain"];
    auto certs = chain.is_object() ? chain.find("certificates") : chain.end();
    if (!chain.is_object() || certs == chain.end() || !certs->is_array() || certs->empty()) {
      return Status::Corruption("bundle: verificationMaterial.x509CertificateChain.certificates missing or empty");
    }
    if (certs->size() > limits.max_certificates) {
      return Status::LimitExceeded(fmt::format("bundle: {} certificates in the chain exceed the limit of {}",
                                               certs->size(), limits.max_certificates));
    }
    for (std::size_t i = 0; i < certs->size(); ++i) {
      Result<std::string> der =
          CertificateDer((*certs)[i], fmt::format("verificationMaterial.x509CertificateChain.certificates[{}]", i));
      if (!der.ok()) return Status::Corruption("bundle: " + der.status().message());
      bundle->certificates.push_back(std::move(der).value());
    }
  } else {
    bundle->material = MaterialKind::kCertificate;
    Result<std::string> der = CertificateDer(vm["certificate"], "verificationMaterial.certificate");
    if (!der.ok()) return Status::Corruption("bundle: " + der.status().message());
    bundle->certificates.push_back(std::move(der).value());
  }

  if (auto tlog = vm.find("tlogEntries"); tlog != vm.end()) {
    if (!tlog->is_array()) return Status::Corruption("bundle: verificationMaterial.tlogEntries is not an array");
    if (tlog->size() > limits.max_tlog_entries) {
      return Status::LimitExceeded(fmt::format("bundle: {} transparency-log entries exceed the limit of {}",
                                               tlog->size(), limits.max_tlog_entries));
    }
    bundle->tlog_entries = *tlog;
    bundle->has_tlog_entries = true;
  }
  if (auto tsv = vm.find("timestampVerificationData"); tsv != vm.end()) bundle->timestamp_verification_data = *tsv;

  // A keyless certificate proves nothing without the log entry that dates it.
  if (bundle->material == MaterialKind::kCertificate && bundle->tlog_entries.empty()) {
    return Status::Corruption(
        "bundle: verificationMaterial.tlogEntries missing (a Sigstore keyless bundle needs at least one "
        "transparency-log entry)");
  }
  return Status::Ok();
}

OrderedJson BundleHead() {
  OrderedJson out;
  out["mediaType"] = std::string(kBundleMediaTypeV03);
  return out;
}

}  // namespace

Result<Bundle> ParseBundle(std::string_view text, const Limits& limits) {
  if (text.empty()) return Status::Corruption("bundle: empty");
  if (text.size() > limits.max_bundle_bytes) {
    return Status::LimitExceeded(
        fmt::format("bundle: {} bytes exceed the limit of {}", text.size(), limits.max_bundle_bytes));
  }
  if (JsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
    return Status::LimitExceeded(fmt::format("bundle: JSON nests deeper than {}", limits.max_json_depth));
  }
  Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) return Status::Corruption("bundle: not valid JSON");
  if (!doc.is_object()) return Status::Corruption("bundle: not a JSON object");

  Bundle bundle;
  auto media = doc.find("mediaType");
  if (media == doc.end() || !media->is_string()) return Status::Corruption("bundle: no mediaType");
  bundle.media_type = media->get<std::string>();
  bundle.minor_version = MediaTypeMinorVersion(bundle.media_type);
  if (bundle.minor_version == 0) {
    return Status::NotSupported(fmt::format("bundle: unsupported mediaType \"{}\"", bundle.media_type));
  }
  auto vm = doc.find("verificationMaterial");
  if (vm == doc.end() || vm->is_null()) return Status::Corruption("bundle: no verificationMaterial");
  MODELGATE_RETURN_IF_ERROR(ReadMaterial(*vm, limits, &bundle));

  auto env = doc.find("dsseEnvelope");
  if (env == doc.end() || env->is_null()) {
    if (doc.contains("messageSignature")) {
      return Status::NotSupported("bundle: a messageSignature bundle, not a DSSE (OMS) bundle");
    }
    return Status::Corruption("bundle: no dsseEnvelope");
  }
  Result<DsseEnvelope> envelope = DsseFromJson(*env, limits.max_statement_bytes);
  if (!envelope.ok()) {
    return Status(envelope.status().code() == StatusCode::kLimitExceeded
                      ? Status::LimitExceeded("bundle: " + envelope.status().message())
                      : Status::Corruption("bundle: " + envelope.status().message()));
  }
  bundle.envelope = std::move(envelope).value();
  return bundle;
}

std::string PublicKeyHint(const PublicKey& key) { return HexEncode(Sha256(key.Pem())); }

std::string WriteKeyBundle(const DsseEnvelope& envelope, const PublicKey& key) {
  OrderedJson out = BundleHead();
  OrderedJson vm;
  vm["publicKey"]["hint"] = PublicKeyHint(key);
  vm["tlogEntries"] = OrderedJson::array();
  out["verificationMaterial"] = std::move(vm);
  out["dsseEnvelope"] = DsseToJson(envelope);
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string WriteCertificateBundle(const DsseEnvelope& envelope, const std::vector<Certificate>& chain) {
  OrderedJson out = BundleHead();
  OrderedJson certs = OrderedJson::array();
  for (const Certificate& c : chain) {
    OrderedJson one;
    one["rawBytes"] = EncodeBase64(c.Der());
    certs.push_back(std::move(one));
  }
  OrderedJson vm;
  vm["x509CertificateChain"]["certificates"] = std::move(certs);
  vm["tlogEntries"] = OrderedJson::array();
  out["verificationMaterial"] = std::move(vm);
  out["dsseEnvelope"] = DsseToJson(envelope);
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace modelgate::provenance
