#include "provenance/bom/signature_facts.h"

#include <nlohmann/json.hpp>

#include "base/json_depth.h"

namespace modelgate::provenance::bom {

Result<std::string> DecodeBase64Strict(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::size_t end = text.size();
  for (int pad = 0; pad < 2 && end > 0 && text[end - 1] == '='; ++pad) --end;
  if (end != text.size() && text.size() % 4 != 0) return Status::Corruption("payload is not base64 (padding)");
  std::string out;
  out.reserve(end / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < end; ++i) {
    int v = value(text[i]);
    if (v < 0) return Status::Corruption("payload is not base64 (byte " + std::to_string(i) + ")");
    acc = ((acc << 6) | static_cast<std::uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // 6 leftover bits cannot come from whole bytes (a 4n+1 length).
  if (bits >= 6) return Status::Corruption("payload is not base64 (length)");
  return out;
}

Result<ParsedStatement> ReadSignedStatement(ByteView bundle, const Limits& limits) {
  if (bundle.size() > limits.max_bundle_bytes) {
    return Status::LimitExceeded("bundle: " + std::to_string(bundle.size()) + " bytes exceed the limit of " +
                                 std::to_string(limits.max_bundle_bytes));
  }
  std::string_view text = AsStringView(bundle);
  if (JsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
    return Status::LimitExceeded("bundle: JSON nested deeper than " + std::to_string(limits.max_json_depth));
  }
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Corruption("bundle: not a JSON object");
  auto envelope = doc.find("dsseEnvelope");
  if (envelope == doc.end() || !envelope->is_object()) return Status::Corruption("bundle: no dsseEnvelope");
  auto payload = envelope->find("payload");
  if (payload == envelope->end() || !payload->is_string()) {
    return Status::Corruption("bundle: no dsseEnvelope.payload");
  }
  const std::string& encoded = payload->get_ref<const std::string&>();
  if (encoded.size() / 4 * 3 > limits.max_statement_bytes) {
    return Status::LimitExceeded("bundle: payload larger than " + std::to_string(limits.max_statement_bytes) +
                                 " bytes");
  }
  Result<std::string> decoded = DecodeBase64Strict(encoded);
  if (!decoded.ok()) return Status::Corruption("bundle: " + decoded.status().message());
  return ParseStatement(decoded.value(), limits);
}

}  // namespace modelgate::provenance::bom
