// Field access for protobuf-JSON documents: see json_fields.h.
#include "provenance/sigstore/json_fields.h"

#include "base/json_depth.h"
#include "provenance/crypto.h"

namespace modelgate::provenance::sigstore {

using nlohmann::json;

namespace {

std::string Path(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

}  // namespace

Result<json> ParseJsonBounded(std::string_view text, std::uint64_t max_bytes, const Limits& limits,
                              std::string_view what) {
  if (text.size() > max_bytes) {
    return Status::LimitExceeded(std::string(what) + ": " + std::to_string(text.size()) +
                                 " bytes exceed the limit of " + std::to_string(max_bytes));
  }
  if (JsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
    return Status::LimitExceeded(std::string(what) + ": JSON nested deeper than " +
                                 std::to_string(limits.max_json_depth) + " levels");
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Corruption(std::string(what) + ": not valid JSON");
  return doc;
}

const json* Member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

Result<std::string> RequiredString(const json& obj, std::string_view key, std::string_view path) {
  const json* v = Member(obj, key);
  if (v == nullptr) return Status::Corruption(Path(path, key) + ": missing");
  if (!v->is_string()) return Status::Corruption(Path(path, key) + ": not a string");
  return v->get<std::string>();
}

Result<std::string> RequiredBase64(const json& obj, std::string_view key, std::string_view path) {
  Result<std::string> text = RequiredString(obj, key, path);
  if (!text.ok()) return text.status();
  Result<std::string> raw = DecodeBase64(text.value());
  if (!raw.ok()) return Status::Corruption(Path(path, key) + ": " + raw.status().message());
  return raw;
}

Result<std::int64_t> RequiredInt64(const json& obj, std::string_view key, std::string_view path) {
  const json* v = Member(obj, key);
  if (v == nullptr) return Status::Corruption(Path(path, key) + ": missing");
  if (v->is_number_unsigned()) {
    std::uint64_t n = v->get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(INT64_MAX)) return Status::Corruption(Path(path, key) + ": out of range");
    return static_cast<std::int64_t>(n);
  }
  if (v->is_number_integer()) {
    std::int64_t n = v->get<std::int64_t>();
    if (n < 0) return Status::Corruption(Path(path, key) + ": negative");
    return n;
  }
  if (!v->is_string()) return Status::Corruption(Path(path, key) + ": not an integer");
  const std::string& s = v->get_ref<const std::string&>();
  if (s.empty() || s.size() > 19) return Status::Corruption(Path(path, key) + ": not a decimal int64");
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Status::Corruption(Path(path, key) + ": not a decimal int64");
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > static_cast<std::uint64_t>(INT64_MAX)) return Status::Corruption(Path(path, key) + ": out of range");
  return static_cast<std::int64_t>(n);
}

Result<const json*> RequiredObject(const json& obj, std::string_view key, std::string_view path) {
  const json* v = Member(obj, key);
  if (v == nullptr) return Status::Corruption(Path(path, key) + ": missing");
  if (!v->is_object()) return Status::Corruption(Path(path, key) + ": not an object");
  return v;
}

Result<const json*> RequiredArray(const json& obj, std::string_view key, std::string_view path,
                                  std::size_t max_items) {
  const json* v = Member(obj, key);
  if (v == nullptr) return Status::Corruption(Path(path, key) + ": missing");
  if (!v->is_array()) return Status::Corruption(Path(path, key) + ": not an array");
  if (v->size() > max_items) {
    return Status::LimitExceeded(Path(path, key) + ": " + std::to_string(v->size()) + " items exceed the limit of " +
                                 std::to_string(max_items));
  }
  return v;
}

std::string Hex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace modelgate::provenance::sigstore
