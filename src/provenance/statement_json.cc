// StatementJson: the in-toto statement exactly as the reference writes it.
//
// The reference builds the statement as a protobuf and prints it with
// google.protobuf.json_format.MessageToJson, which is Python's json.dumps
// with indent=2 and ensure_ascii=True. So: two-space indentation, ", " and
// ": " separators, non-ASCII escaped as \uXXXX (UTF-16 surrogate pairs past
// U+FFFF), numbers in a Struct are doubles (shard_size 1000000000 prints as
// "1000000000.0"), and this key order: statement (_type, subject,
// predicateType, predicate), subject (name, digest), serialization (method,
// hash_type, allow_symlinks, shard_size), resource (algorithm, digest, name).
// No trailing newline (the payload in the reference's bundles has none).
#include <charconv>
#include <cstdio>
#include <string>

#include "base/hashing.h"
#include "provenance/statement.h"

namespace modelgate::provenance {

namespace {

void AppendU16(unsigned v, std::string* out) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", v & 0xFFFF);
  *out += buf;
}

// Python json.dumps(s, ensure_ascii=True). Invalid UTF-8 (never produced by
// the walk, which refuses such names) is escaped byte by byte as U+00XX.
void AppendJsonString(std::string_view s, std::string* out) {
  *out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': *out += "\\\""; break;
        case '\\': *out += "\\\\"; break;
        case '\n': *out += "\\n"; break;
        case '\r': *out += "\\r"; break;
        case '\t': *out += "\\t"; break;
        case '\b': *out += "\\b"; break;
        case '\f': *out += "\\f"; break;
        default:
          if (c < 0x20) {
            AppendU16(c, out);
          } else {
            *out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len == 1 || i + len > s.size()) {
      AppendU16(c, out);
      ++i;
      continue;
    }
    std::uint32_t cp = c & (0xFF >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      AppendU16(0xD800 + (cp >> 10), out);
      AppendU16(0xDC00 + (cp & 0x3FF), out);
    } else {
      AppendU16(cp, out);
    }
    i += len;
  }
  *out += '"';
}

// repr() of float(n), as json.dumps prints a Struct number: "8.0",
// "1000000000.0", and from 1e16 on the exponent form "1e+16".
std::string PythonFloat(std::uint64_t n) {
  const double d = static_cast<double>(n);
  char buf[64];
  if (d < 1e16) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    (void)ec;
    return std::string(buf, end) + ".0";
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  (void)ec;
  std::string s(buf, end);  // "1e+16"; Python writes at least two exponent digits, as does to_chars
  return s;
}

class Writer {
 public:
  void Line(int indent, std::string_view text) {
    out_.append(static_cast<std::size_t>(indent) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }
  // "key": "value" with an optional trailing comma.
  void StringField(int indent, std::string_view key, std::string_view value, bool comma) {
    std::string line;
    AppendJsonString(key, &line);
    line += ": ";
    AppendJsonString(value, &line);
    if (comma) line += ',';
    Line(indent, line);
  }
  void RawField(int indent, std::string_view key, std::string_view raw, bool comma) {
    std::string line;
    AppendJsonString(key, &line);
    line += ": ";
    line += raw;
    if (comma) line += ',';
    Line(indent, line);
  }
  std::string Take() {
    if (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return std::move(out_);
  }

 private:
  std::string out_;
};

}  // namespace

std::string StatementJson(const Manifest& manifest) {
  const SerializationOptions& s = manifest.serialization;
  const bool shards = s.method == SerializationMethod::kShards;
  const std::vector<std::string> ignore_paths = RecordedIgnorePaths(s);
  Writer w;
  w.Line(0, "{");
  w.StringField(1, "_type", kInTotoStatementType, true);
  w.Line(1, "\"subject\": [");
  w.Line(2, "{");
  w.StringField(3, "name", manifest.model_name, true);
  w.Line(3, "\"digest\": {");
  w.StringField(4, "sha256", ToHex(manifest.RootDigest()), false);
  w.Line(3, "}");
  w.Line(2, "}");
  w.Line(1, "],");
  w.StringField(1, "predicateType", kOmsPredicateType, true);
  w.Line(1, "\"predicate\": {");
  w.Line(2, "\"serialization\": {");
  w.StringField(3, "method", shards ? "shards" : "files", true);
  w.StringField(3, "hash_type", HashAlgorithmName(s.hash), true);
  const bool more_after_symlinks = shards || !ignore_paths.empty();
  w.RawField(3, "allow_symlinks", s.allow_symlinks ? "true" : "false", more_after_symlinks);
  if (shards) w.RawField(3, "shard_size", PythonFloat(s.shard_size), !ignore_paths.empty());
  if (!ignore_paths.empty()) {
    w.Line(3, "\"ignore_paths\": [");
    for (std::size_t i = 0; i < ignore_paths.size(); ++i) {
      std::string line;
      AppendJsonString(ignore_paths[i], &line);
      if (i + 1 < ignore_paths.size()) line += ',';
      w.Line(4, line);
    }
    w.Line(3, "]");
  }
  w.Line(2, "},");
  if (manifest.resources.empty()) {
    w.Line(2, "\"resources\": []");
  } else {
    w.Line(2, "\"resources\": [");
    for (std::size_t i = 0; i < manifest.resources.size(); ++i) {
      const Resource& r = manifest.resources[i];
      w.Line(3, "{");
      w.StringField(4, "algorithm", r.algorithm, true);
      w.StringField(4, "digest", ToHex(r.digest), true);
      w.StringField(4, "name", r.name, false);
      w.Line(3, i + 1 < manifest.resources.size() ? "}," : "}");
    }
    w.Line(2, "]");
  }
  w.Line(1, "}");
  w.Line(0, "}");
  return w.Take();
}

}  // namespace modelgate::provenance
