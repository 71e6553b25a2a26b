#include "provenance/dsse.h"

#include <fmt/format.h>

namespace modelgate::provenance {

namespace {

// DSSE lets signers use URL-safe base64 and drop padding; normalise to the
// standard alphabet before the strict decoder sees it.
Result<std::string> DecodeAnyBase64(std::string_view text) {
  std::string normal(text);
  for (char& c : normal) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (normal.size() % 4 != 0) normal.push_back('=');
  return DecodeBase64(normal);
}

}  // namespace

std::string PreAuthEncoding(std::string_view payload_type, std::string_view payload) {
  std::string out = fmt::format("DSSEv1 {} {} {} ", payload_type.size(), payload_type, payload.size());
  out.append(payload);
  return out;
}

std::string PythonBytesRepr(std::string_view bytes) {
  // CPython (Objects/bytesobject.c, PyBytes_Repr): double quotes only when the
  // bytes contain ' and no ".
  const bool has_single = bytes.find('\'') != std::string_view::npos;
  const bool has_double = bytes.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8 + 3);
  out.push_back('b');
  out.push_back(quote);
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back(quote);
  return out;
}

std::string LegacyPreAuthEncoding(std::string_view payload_type, std::string_view payload) {
  // The length is the raw payload's; the body is its repr (an f-string of a
  // bytes object), so the length does not describe the body that follows.
  return fmt::format("DSSEV1 {} {} {} {}", payload_type.size(), payload_type, payload.size(), PythonBytesRepr(payload));
}

Result<DsseEnvelope> SignDsse(std::string_view payload_type, std::string payload, const PrivateKey& key) {
  Result<std::string> sig = key.Sign(PreAuthEncoding(payload_type, payload));
  if (!sig.ok()) return Status::InvalidArgument("signing: " + sig.status().message());
  DsseEnvelope env;
  env.payload_type = std::string(payload_type);
  env.payload = std::move(payload);
  env.signatures.push_back(DsseSignature{std::move(sig).value(), std::string()});
  return env;
}

Result<DsseEncoding> VerifyDsse(const DsseEnvelope& envelope, const PublicKey& key, bool allow_legacy) {
  if (envelope.signatures.empty()) return Status::Corruption("signature: the envelope has no signatures");
  const DigestKind digest = key.DefaultDigest();
  const std::string pae = PreAuthEncoding(envelope.payload_type, envelope.payload);
  for (const DsseSignature& s : envelope.signatures) {
    if (key.Verify(pae, s.sig, digest).ok()) return DsseEncoding::kStandard;
  }
  if (allow_legacy) {
    const std::string legacy = LegacyPreAuthEncoding(envelope.payload_type, envelope.payload);
    for (const DsseSignature& s : envelope.signatures) {
      if (key.Verify(legacy, s.sig, DigestKind::kSha256).ok()) return DsseEncoding::kLegacy020;
      if (digest != DigestKind::kSha256 && key.Verify(legacy, s.sig, digest).ok()) return DsseEncoding::kLegacy020;
    }
  }
  return Status::Corruption(
      fmt::format("signature: the DSSE signature does not verify with the given key ({} signature{} tried)",
                  envelope.signatures.size(), envelope.signatures.size() == 1 ? "" : "s"));
}

nlohmann::ordered_json DsseToJson(const DsseEnvelope& envelope) {
  nlohmann::ordered_json out;
  out["payload"] = EncodeBase64(envelope.payload);
  out["payloadType"] = envelope.payload_type;
  nlohmann::ordered_json sigs = nlohmann::ordered_json::array();
  for (const DsseSignature& s : envelope.signatures) {
    nlohmann::ordered_json one;
    one["sig"] = EncodeBase64(s.sig);
    if (s.keyid.has_value()) one["keyid"] = *s.keyid;
    sigs.push_back(std::move(one));
  }
  out["signatures"] = std::move(sigs);
  return out;
}

Result<DsseEnvelope> DsseFromJson(const nlohmann::json& object, std::uint64_t max_payload_bytes) {
  if (!object.is_object()) return Status::Corruption("dsseEnvelope: not an object");
  DsseEnvelope env;
  auto payload_type = object.find("payloadType");
  if (payload_type == object.end() || !payload_type->is_string()) {
    return Status::Corruption("dsseEnvelope.payloadType: missing or not a string");
  }
  env.payload_type = payload_type->get<std::string>();
  auto payload = object.find("payload");
  if (payload == object.end() || !payload->is_string()) {
    return Status::Corruption("dsseEnvelope.payload: missing or not a string");
  }
  const std::string& encoded = payload->get_ref<const std::string&>();
  if (encoded.size() / 4 * 3 > max_payload_bytes + 3) {
    return Status::LimitExceeded(
        fmt::format("dsseEnvelope.payload: larger than the limit of {} bytes", max_payload_bytes));
  }
  Result<std::string> raw = DecodeAnyBase64(encoded);
  if (!raw.ok()) return Status::Corruption("dsseEnvelope.payload: not base64");
  env.payload = std::move(raw).value();
  auto sigs = object.find("signatures");
  if (sigs == object.end() || !sigs->is_array()) {
    return Status::Corruption("dsseEnvelope.signatures: missing or not an array");
  }
  for (std::size_t i = 0; i < sigs->size(); ++i) {
    const nlohmann::json& s = (*sigs)[i];
    if (!s.is_object()) return Status::Corruption(fmt::format("dsseEnvelope.signatures[{}]: not an object", i));
    auto sig = s.find("sig");
    if (sig == s.end() || !sig->is_string()) {
      return Status::Corruption(fmt::format("dsseEnvelope.signatures[{}].sig: missing or not a string", i));
    }
    Result<std::string> sig_raw = DecodeAnyBase64(sig->get_ref<const std::string&>());
    if (!sig_raw.ok()) return Status::Corruption(fmt::format("dsseEnvelope.signatures[{}].sig: not base64", i));
    DsseSignature one{std::move(sig_raw).value(), std::nullopt};
    auto keyid = s.find("keyid");
    if (keyid != s.end() && keyid->is_string()) one.keyid = keyid->get<std::string>();
    env.signatures.push_back(std::move(one));
  }
  return env;
}

}  // namespace modelgate::provenance
