// ParseJsonObject: the one way eval code parses an untrusted JSON object
// (worker lines, HTTP bodies): nesting measured with JsonDepth before
// nlohmann (which recurses) sees it, parsed without exceptions, and
// required to be an object. Callers turn the outcome into their own status
// (Corruption for worker output and responses, 400 for server requests).
#ifndef MODELGATE_EVAL_JSON_OBJECT_H_
#define MODELGATE_EVAL_JSON_OBJECT_H_

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace modelgate::eval {

enum class JsonObjectError { kNone, kTooDeep, kInvalid, kNotObject };

// Stores the parsed object in *out when it returns kNone; *out is
// unspecified otherwise.
JsonObjectError ParseJsonObject(std::string_view text, std::size_t max_depth, nlohmann::json* out);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_JSON_OBJECT_H_
