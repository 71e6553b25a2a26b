// Typed, bounded access to the JSON of Sigstore bundles and trust roots.
//
// Bundles and trust roots are protobuf messages written as JSON (proto3 JSON
// mapping): int64 values arrive as decimal strings (or numbers), bytes as
// standard base64. These helpers read one field each and return a Status
// whose message names the field path ("tlogEntries[0].integratedTime: ..."),
// so every caller reports hostile input the same way.
//
// Thread safety: free functions without shared state.
#ifndef MODELGATE_PROVENANCE_SIGSTORE_JSON_FIELDS_H_
#define MODELGATE_PROVENANCE_SIGSTORE_JSON_FIELDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::provenance::sigstore {

// Parses `text` as JSON after checking its size (`max_bytes`) and nesting
// depth (Limits::max_json_depth). `what` names the document in errors.
Result<nlohmann::json> ParseJsonBounded(std::string_view text, std::uint64_t max_bytes, const Limits& limits,
                                        std::string_view what);

// The member `key` of object `obj`, or nullptr when `obj` is not an object
// or has no such member.
const nlohmann::json* Member(const nlohmann::json& obj, std::string_view key);

// A required string member. `path` is the object's path for messages.
Result<std::string> RequiredString(const nlohmann::json& obj, std::string_view key, std::string_view path);
// A required base64 (standard, padded) member, decoded.
Result<std::string> RequiredBase64(const nlohmann::json& obj, std::string_view key, std::string_view path);
// A required non-negative int64 written as a decimal string or a JSON integer.
Result<std::int64_t> RequiredInt64(const nlohmann::json& obj, std::string_view key, std::string_view path);
// A required object member.
Result<const nlohmann::json*> RequiredObject(const nlohmann::json& obj, std::string_view key,
                                             std::string_view path);
// A required array member with at most `max_items` items.
Result<const nlohmann::json*> RequiredArray(const nlohmann::json& obj, std::string_view key, std::string_view path,
                                            std::size_t max_items);

// Lower-case hex of raw bytes.
std::string Hex(std::string_view raw);

}  // namespace modelgate::provenance::sigstore

#endif  // MODELGATE_PROVENANCE_SIGSTORE_JSON_FIELDS_H_
