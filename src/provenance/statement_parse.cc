// ParseStatement: the signed payload, read as hostile JSON.
//
// Bounded first (Limits::max_statement_bytes, then JsonDepth before
// nlohmann's recursive parser sees the text), then checked field by field
// with messages that name the field. Accepts every variant the released
// reference versions wrote: key order is free, shard_size may be a float
// with an integer value (1000000000.0), ignore_paths may be absent (before
// v1.1.0), a shard resource's algorithm may be "sha256-sharded-N" (the
// reference) or "sha256" (the spec text); unknown fields are ignored.
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "base/hashing.h"
#include "base/json_depth.h"
#include "base/utf8.h"
#include "provenance/model_walk.h"
#include "provenance/statement.h"

namespace modelgate::provenance {

namespace {

using nlohmann::json;

Status Bad(std::string msg) { return Status::Corruption("statement: " + std::move(msg)); }

Result<const json*> Member(const json& object, const char* key, json::value_t type, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) return Bad(where + key + " is missing");
  if (it->type() != type && !(type == json::value_t::number_unsigned && it->is_number_integer())) {
    return Bad(where + key + " has the wrong type (" + it->type_name() + ")");
  }
  return &*it;
}

// A model-relative file name as OMS writes it: "." alone, or '/'-separated
// components that are neither empty, "." nor "..".
bool IsCanonicalFileName(std::string_view name) {
  if (name == ".") return true;
  if (name.empty() || name.find('\0') != std::string_view::npos || !IsValidUtf8(name)) return false;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t next = name.find('/', pos);
    const std::string_view part = name.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    if (part.empty() || part == "." || part == "..") return false;
    if (next == std::string_view::npos) return true;
    pos = next + 1;
  }
}

bool ParseDecimal(std::string_view s, std::uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (s.size() > 1 && s[0] == '0') return false;
  *out = v;
  return true;
}

Result<std::uint64_t> ShardSize(const json& value) {
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v == 0) return Bad("serialization.shard_size must be positive");
    return v;
  }
  if (value.is_number_integer()) return Bad("serialization.shard_size must be positive");
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^63: beyond it a double no longer names one byte count we can use.
    if (!(d >= 1.0) || d >= 9.2233720368547758e18 || std::floor(d) != d) {
      return Bad("serialization.shard_size is not a positive integer");
    }
    return static_cast<std::uint64_t>(d);
  }
  return Bad("serialization.shard_size has the wrong type");
}

Result<std::string> Digest(const json& value, HashAlgorithm hash, const std::string& where) {
  if (!value.is_string()) return Bad(where + " digest is not a string");
  std::string raw;
  const std::string& hex = value.get_ref<const std::string&>();
  if (!HexDecode(hex, &raw)) return Bad(where + " digest is not hex");
  const std::size_t want = hash == HashAlgorithm::kSha256 ? 32 : 64;
  if (raw.size() != want) {
    return Bad(where + " digest has " + std::to_string(raw.size()) + " bytes, " + std::string(HashAlgorithmName(hash)) +
               " has " + std::to_string(want));
  }
  return raw;
}

Status ParseSerialization(const json& ser, SerializationOptions* out, std::vector<std::string>* warnings) {
  if (!ser.is_object()) return Bad("predicate.serialization is not an object");
  Result<const json*> method = Member(ser, "method", json::value_t::string, "serialization.");
  if (!method.ok()) return method.status();
  const std::string& m = method.value()->get_ref<const std::string&>();
  if (m == "files") {
    out->method = SerializationMethod::kFiles;
  } else if (m == "shards") {
    out->method = SerializationMethod::kShards;
  } else {
    return Status::NotSupported("statement: serialization.method \"" + m.substr(0, 64) + "\" is not supported");
  }
  Result<const json*> hash = Member(ser, "hash_type", json::value_t::string, "serialization.");
  if (!hash.ok()) return hash.status();
  const std::string& h = hash.value()->get_ref<const std::string&>();
  std::optional<HashAlgorithm> algorithm = ParseHashAlgorithm(h);
  if (!algorithm) {
    return Status::NotSupported("statement: serialization.hash_type \"" + h.substr(0, 64) +
                                "\" is not supported (sha256, blake2b; blake3 has no Debian library)");
  }
  out->hash = *algorithm;
  Result<const json*> links = Member(ser, "allow_symlinks", json::value_t::boolean, "serialization.");
  if (!links.ok()) return links.status();
  out->allow_symlinks = links.value()->get<bool>();
  if (out->method == SerializationMethod::kShards) {
    auto it = ser.find("shard_size");
    if (it == ser.end()) return Bad("serialization.shard_size is missing (method shards)");
    Result<std::uint64_t> size = ShardSize(*it);
    if (!size.ok()) return size.status();
    out->shard_size = size.value();
  }
  out->ignore_git_paths = true;  // spec 11.2: the defaults apply whether recorded or not
  auto ig = ser.find("ignore_paths");
  if (ig != ser.end()) {
    if (!ig->is_array()) return Bad("serialization.ignore_paths is not an array");
    for (const json& p : *ig) {
      if (!p.is_string()) return Bad("serialization.ignore_paths holds a non-string");
      Result<std::string> n = NormalizeIgnorePath(p.get_ref<const std::string&>());
      if (!n.ok()) {
        // Dropping an entry can only make verification stricter (the files
        // it covered count as unsigned), never weaker; a signer that wrote
        // an absolute path must not make a valid bundle unreadable.
        warnings->push_back("statement: serialization.ignore_paths entry dropped: " + n.status().message());
        continue;
      }
      out->ignore_paths.push_back(std::move(n).value());
    }
  }
  return Status::Ok();
}

Status ParseResources(const json& resources, const Limits& limits, Manifest* manifest) {
  if (!resources.is_array()) return Bad("predicate.resources is not an array");
  if (resources.size() > limits.max_manifest_resources) {
    return Status::LimitExceeded("statement: more than " + std::to_string(limits.max_manifest_resources) +
                                 " resources");
  }
  const SerializationOptions& s = manifest->serialization;
  const bool shards = s.method == SerializationMethod::kShards;
  const std::string reference_algorithm = ResourceAlgorithm(s);
  const std::string_view plain_algorithm = HashAlgorithmName(s.hash);
  std::set<std::string> seen;
  bool has_dot = false;
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const json& r = resources[i];
    const std::string where = "resources[" + std::to_string(i) + "]";
    if (!r.is_object()) return Bad(where + " is not an object");
    Result<const json*> name = Member(r, "name", json::value_t::string, where + ".");
    if (!name.ok()) return name.status();
    Resource res;
    res.name = name.value()->get<std::string>();
    const std::string label = where + " \"" + res.name.substr(0, 200) + "\"";
    std::string_view file = res.name;
    if (shards) {
      file = ResourceFileName(res.name, SerializationMethod::kShards);
      if (file.size() == res.name.size()) return Bad(label + ": a shard name is path:start:end");
      const std::string_view range = std::string_view(res.name).substr(file.size() + 1);
      const std::size_t colon = range.find(':');
      std::uint64_t start = 0, end = 0;
      if (!ParseDecimal(range.substr(0, colon), &start) || !ParseDecimal(range.substr(colon + 1), &end) ||
          start >= end || start % s.shard_size != 0 || end - start > s.shard_size) {
        return Bad(label + ": shard range does not fit shard_size " + std::to_string(s.shard_size));
      }
    }
    if (!IsCanonicalFileName(file)) return Bad(label + ": not a canonical relative path");
    has_dot = has_dot || file == ".";
    Result<const json*> algorithm = Member(r, "algorithm", json::value_t::string, where + ".");
    if (!algorithm.ok()) return algorithm.status();
    res.algorithm = algorithm.value()->get<std::string>();
    if (res.algorithm != reference_algorithm && !(shards && res.algorithm == plain_algorithm)) {
      return Bad(label + ": algorithm \"" + res.algorithm.substr(0, 64) + "\" does not match serialization (" +
                 reference_algorithm + ")");
    }
    auto digest_it = r.find("digest");
    if (digest_it == r.end()) return Bad(label + ": digest is missing");
    Result<std::string> digest = Digest(*digest_it, s.hash, label);
    if (!digest.ok()) return digest.status();
    res.digest = std::move(digest).value();
    if (!seen.insert(res.name).second) return Bad(label + ": listed twice");
    manifest->resources.push_back(std::move(res));
  }
  if (has_dot) {
    for (const Resource& r : manifest->resources) {
      if (ResourceFileName(r.name, s.method) != ".") return Bad("resource \".\" (a single-file model) is not alone");
    }
  }
  return Status::Ok();
}

Result<ParsedStatement> ParseV1(const json& doc, const Limits& limits) {
  ParsedStatement out;
  out.predicate_type = std::string(kOmsPredicateType);
  const json& subjects = doc["subject"];
  if (!subjects.is_array() || subjects.size() != 1) return Bad("subject must hold exactly one entry (the model)");
  const json& subject = subjects[0];
  if (!subject.is_object()) return Bad("subject[0] is not an object");
  auto name = subject.find("name");
  if (name != subject.end() && name->is_string()) out.manifest.model_name = name->get<std::string>();
  auto digest = subject.find("digest");
  if (digest == subject.end() || !digest->is_object()) return Bad("subject[0].digest is missing");
  auto sha = digest->find("sha256");
  if (sha == digest->end()) return Bad("subject[0].digest.sha256 is missing");
  Result<std::string> root = Digest(*sha, HashAlgorithm::kSha256, "subject[0]");
  if (!root.ok()) return root.status();
  out.subject_digest = std::move(root).value();

  auto predicate = doc.find("predicate");
  if (predicate == doc.end() || !predicate->is_object()) return Bad("predicate is missing");
  auto ser = predicate->find("serialization");
  if (ser == predicate->end()) return Bad("predicate.serialization is missing");
  MODELGATE_RETURN_IF_ERROR(ParseSerialization(*ser, &out.manifest.serialization, &out.manifest.warnings));
  auto resources = predicate->find("resources");
  if (resources == predicate->end()) return Bad("predicate.resources is missing");
  MODELGATE_RETURN_IF_ERROR(ParseResources(*resources, limits, &out.manifest));
  const std::string recomputed = out.manifest.RootDigest();
  if (recomputed != out.subject_digest) {
    return Bad("subject digest " + ToHex(out.subject_digest) + " is not the root digest of the resources (" +
               ToHex(recomputed) + ")");
  }
  return out;
}

// v0.2.0: one subject per file, digest under "sha256" whatever the algorithm,
// the real one in annotations.actual_hash_algorithm ("file-sha256").
Result<ParsedStatement> ParseLegacy(const json& doc, const Limits& limits) {
  ParsedStatement out;
  out.predicate_type = std::string(kLegacyDigestsPredicateType);
  const json& subjects = doc["subject"];
  if (!subjects.is_array()) return Bad("subject is not an array");
  if (subjects.size() > limits.max_manifest_resources) {
    return Status::LimitExceeded("statement: more than " + std::to_string(limits.max_manifest_resources) + " subjects");
  }
  SerializationOptions& s = out.manifest.serialization;
  s.method = SerializationMethod::kFiles;
  s.allow_symlinks = false;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const json& subject = subjects[i];
    const std::string where = "subject[" + std::to_string(i) + "]";
    if (!subject.is_object()) return Bad(where + " is not an object");
    Result<const json*> name = Member(subject, "name", json::value_t::string, where + ".");
    if (!name.ok()) return name.status();
    Resource res;
    res.name = name.value()->get<std::string>();
    const std::string label = where + " \"" + res.name.substr(0, 200) + "\"";
    if (!IsCanonicalFileName(res.name)) return Bad(label + ": not a canonical relative path");
    HashAlgorithm hash = HashAlgorithm::kSha256;
    auto ann = subject.find("annotations");
    if (ann != subject.end() && ann->is_object()) {
      auto actual = ann->find("actual_hash_algorithm");
      if (actual != ann->end()) {
        if (!actual->is_string()) return Bad(label + ": actual_hash_algorithm is not a string");
        const std::string& a = actual->get_ref<const std::string&>();
        if (a == "file-sha256") {
          hash = HashAlgorithm::kSha256;
        } else if (a == "file-blake2b") {
          hash = HashAlgorithm::kBlake2b;
        } else {
          return Status::NotSupported("statement: " + label + ": actual_hash_algorithm \"" + a.substr(0, 64) +
                                      "\" is not supported");
        }
      }
    }
    if (i == 0) s.hash = hash;
    if (hash != s.hash) return Bad(label + ": subjects mix hash algorithms");
    res.algorithm = std::string(HashAlgorithmName(hash));
    auto digest = subject.find("digest");
    if (digest == subject.end() || !digest->is_object() || digest->find("sha256") == digest->end()) {
      return Bad(label + ": digest.sha256 is missing");
    }
    Result<std::string> raw = Digest((*digest)["sha256"], hash, label);
    if (!raw.ok()) return raw.status();
    res.digest = std::move(raw).value();
    if (!seen.insert(res.name).second) return Bad(label + ": listed twice");
    out.manifest.resources.push_back(std::move(res));
  }
  return out;
}

}  // namespace

Result<ParsedStatement> ParseStatement(std::string_view payload, const Limits& limits) {
  if (payload.size() > limits.max_statement_bytes) {
    return Status::LimitExceeded("statement: " + std::to_string(payload.size()) + " bytes, more than the limit of " +
                                 std::to_string(limits.max_statement_bytes));
  }
  if (JsonDepth(payload, limits.max_json_depth) > limits.max_json_depth) {
    return Status::LimitExceeded("statement: JSON nests deeper than " + std::to_string(limits.max_json_depth));
  }
  const json doc = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (doc.is_discarded()) return Bad("not valid JSON");
  if (!doc.is_object()) return Bad("not a JSON object");
  auto type = doc.find("_type");
  if (type == doc.end() || !type->is_string() || type->get_ref<const std::string&>() != kInTotoStatementType) {
    return Bad("_type is not \"" + std::string(kInTotoStatementType) + "\"");
  }
  auto predicate_type = doc.find("predicateType");
  if (predicate_type == doc.end() || !predicate_type->is_string()) return Bad("predicateType is missing");
  const std::string& pt = predicate_type->get_ref<const std::string&>();
  if (doc.find("subject") == doc.end()) return Bad("subject is missing");
  // A DOM of a few MB may throw bad_alloc or type errors in corner cases:
  // keep exceptions inside this module.
  try {
    if (pt == kOmsPredicateType) return ParseV1(doc, limits);
    if (pt == kLegacyDigestsPredicateType) return ParseLegacy(doc, limits);
  } catch (const std::exception& e) {
    return Bad(std::string("malformed: ") + e.what());
  }
  return Status::NotSupported("statement: predicateType \"" + pt.substr(0, 200) + "\" is not an OMS predicate (" +
                              std::string(kOmsPredicateType) + ")");
}

}  // namespace modelgate::provenance
