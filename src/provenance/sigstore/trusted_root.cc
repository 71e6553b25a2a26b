// trusted_root.json reader: see trusted_root.h.
#include "provenance/sigstore/trusted_root.h"

#include <ctime>

#include "provenance/sigstore/json_fields.h"

namespace modelgate::provenance::sigstore {

using nlohmann::json;

namespace {

constexpr std::string_view kTrustedRootMediaType = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

bool ReadDigits(std::string_view text, std::size_t pos, std::size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  *out = v;
  return true;
}

Result<ValidityPeriod> ParseValidity(const json& obj, const std::string& path) {
  Result<const json*> valid_for = RequiredObject(obj, "validFor", path);
  if (!valid_for.ok()) return valid_for.status();
  ValidityPeriod period;
  Result<std::string> start = RequiredString(*valid_for.value(), "start", path + ".validFor");
  if (!start.ok()) return start.status();
  Result<UnixSeconds> start_s = ParseRfc3339(start.value());
  if (!start_s.ok()) return Status::Corruption(path + ".validFor.start: " + start_s.status().message());
  period.start = start_s.value();
  // A fractional start second would round down (earlier): round it up instead.
  if (start.value().find('.') != std::string::npos) period.start += 1;
  if (const json* end = Member(*valid_for.value(), "end")) {
    if (!end->is_string()) return Status::Corruption(path + ".validFor.end: not a string");
    Result<UnixSeconds> end_s = ParseRfc3339(end->get<std::string>());
    if (!end_s.ok()) return Status::Corruption(path + ".validFor.end: " + end_s.status().message());
    period.end = end_s.value();
  }
  return period;
}

Result<TransparencyLog> ParseLog(const json& obj, const std::string& path) {
  TransparencyLog log;
  if (const json* url = Member(obj, "baseUrl"); url && url->is_string()) log.base_url = url->get<std::string>();
  Result<const json*> key = RequiredObject(obj, "publicKey", path);
  if (!key.ok()) return key.status();
  const std::string key_path = path + ".publicKey";
  Result<std::string> raw = RequiredBase64(*key.value(), "rawBytes", key_path);
  if (!raw.ok()) return raw.status();
  Result<PublicKey> pub = PublicKey::FromDer(raw.value());
  if (!pub.ok()) return Status::Corruption(key_path + ".rawBytes: " + pub.status().message());
  log.key = std::move(pub).value();
  if (const json* details = Member(*key.value(), "keyDetails"); details && details->is_string()) {
    log.key_details = details->get<std::string>();
  }
  Result<ValidityPeriod> valid = ParseValidity(*key.value(), key_path);
  if (!valid.ok()) return valid.status();
  log.valid_for = valid.value();
  Result<const json*> log_id = RequiredObject(obj, "logId", path);
  if (!log_id.ok()) return log_id.status();
  Result<std::string> key_id = RequiredBase64(*log_id.value(), "keyId", path + ".logId");
  if (!key_id.ok()) return key_id.status();
  if (key_id->empty()) return Status::Corruption(path + ".logId.keyId: empty");
  log.log_id = std::move(key_id).value();
  return log;
}

Result<CertificateAuthority> ParseAuthority(const json& obj, const std::string& path, const Limits& limits) {
  CertificateAuthority ca;
  if (const json* uri = Member(obj, "uri"); uri && uri->is_string()) ca.uri = uri->get<std::string>();
  Result<const json*> chain = RequiredObject(obj, "certChain", path);
  if (!chain.ok()) return chain.status();
  Result<const json*> certs = RequiredArray(*chain.value(), "certificates", path + ".certChain", limits.max_certificates);
  if (!certs.ok()) return certs.status();
  if (certs.value()->empty()) return Status::Corruption(path + ".certChain.certificates: empty");
  for (std::size_t i = 0; i < certs.value()->size(); ++i) {
    const std::string cert_path = path + ".certChain.certificates[" + std::to_string(i) + "]";
    Result<std::string> der = RequiredBase64((*certs.value())[i], "rawBytes", cert_path);
    if (!der.ok()) return der.status();
    Result<Certificate> cert = Certificate::FromDer(der.value());
    if (!cert.ok()) return Status::Corruption(cert_path + ": " + cert.status().message());
    ca.chain.push_back(std::move(cert).value());
  }
  Result<ValidityPeriod> valid = ParseValidity(obj, path);
  if (!valid.ok()) return valid.status();
  ca.valid_for = valid.value();
  return ca;
}

// Reads the optional array `key` (absent = empty) with `parse` per item.
template <typename T, typename F>
Status ParseList(const json& doc, const char* key, std::size_t max_items, std::vector<T>* out, F parse) {
  const json* list = Member(doc, key);
  if (list == nullptr) return Status::Ok();
  if (!list->is_array()) return Status::Corruption(std::string("trusted root: ") + key + ": not an array");
  if (list->size() > max_items) {
    return Status::LimitExceeded(std::string("trusted root: ") + key + ": " + std::to_string(list->size()) +
                                 " entries exceed the limit of " + std::to_string(max_items));
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    Result<T> item = parse((*list)[i], std::string("trusted root: ") + key + "[" + std::to_string(i) + "]");
    if (!item.ok()) return item.status();
    out->push_back(std::move(item).value());
  }
  return Status::Ok();
}

}  // namespace

Result<UnixSeconds> ParseRfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, 0, 4, &year) || text.size() < 20 || text[4] != '-' || !ReadDigits(text, 5, 2, &month) ||
      text[7] != '-' || !ReadDigits(text, 8, 2, &day) || (text[10] != 'T' && text[10] != 't') ||
      !ReadDigits(text, 11, 2, &hour) || text[13] != ':' || !ReadDigits(text, 14, 2, &minute) || text[16] != ':' ||
      !ReadDigits(text, 17, 2, &second)) {
    return Status::Corruption("not an RFC 3339 timestamp");
  }
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos, ++digits;
    if (digits == 0 || digits > 9) return Status::Corruption("not an RFC 3339 timestamp (fraction)");
  }
  int offset_seconds = 0;
  std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh, om;
    if (!ReadDigits(zone, 1, 2, &oh) || !ReadDigits(zone, 4, 2, &om) || oh > 23 || om > 59) {
      return Status::Corruption("not an RFC 3339 timestamp (offset)");
    }
    offset_seconds = (oh * 3600 + om * 60) * (zone[0] == '+' ? 1 : -1);
  } else {
    return Status::Corruption("not an RFC 3339 timestamp (zone)");
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return Status::Corruption("not an RFC 3339 timestamp (range)");
  }
  struct tm tm {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<UnixSeconds>(timegm(&tm)) - offset_seconds;
}

Result<TrustedRoot> TrustedRoot::Parse(std::string_view json_text, const Limits& limits) {
  Result<json> doc = ParseJsonBounded(json_text, limits.max_trusted_root_bytes, limits, "trusted root");
  if (!doc.ok()) return doc.status();
  Result<std::string> media_type = RequiredString(doc.value(), "mediaType", "trusted root");
  if (!media_type.ok()) return media_type.status();
  if (media_type.value() != kTrustedRootMediaType) {
    return Status::NotSupported("trusted root: media type '" + media_type.value() + "' is not " +
                                std::string(kTrustedRootMediaType));
  }
  // Lists are bounded like certificate chains: a trust root names a handful of each.
  const std::size_t max_items = limits.max_certificates * 4u;
  TrustedRoot root;
  auto log = [](const json& j, const std::string& path) { return ParseLog(j, path); };
  auto authority = [&limits](const json& j, const std::string& path) { return ParseAuthority(j, path, limits); };
  MODELGATE_RETURN_IF_ERROR(ParseList<TransparencyLog>(doc.value(), "tlogs", max_items, &root.tlogs, log));
  MODELGATE_RETURN_IF_ERROR(ParseList<CertificateAuthority>(doc.value(), "certificateAuthorities", max_items,
                                                            &root.certificate_authorities, authority));
  MODELGATE_RETURN_IF_ERROR(ParseList<TransparencyLog>(doc.value(), "ctlogs", max_items, &root.ctlogs, log));
  MODELGATE_RETURN_IF_ERROR(ParseList<CertificateAuthority>(doc.value(), "timestampAuthorities", max_items,
                                                            &root.timestamp_authorities, authority));
  return root;
}

const TransparencyLog* TrustedRoot::FindTlog(std::string_view log_id) const {
  for (const TransparencyLog& log : tlogs) {
    if (log.log_id == log_id) return &log;
  }
  return nullptr;
}

}  // namespace modelgate::provenance::sigstore
