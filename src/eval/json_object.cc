#include "eval/json_object.h"

#include "base/json_depth.h"

namespace modelgate::eval {

JsonObjectError ParseJsonObject(std::string_view text, std::size_t max_depth, nlohmann::json* out) {
  if (JsonDepth(text, max_depth) > max_depth) return JsonObjectError::kTooDeep;
  *out = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) return JsonObjectError::kInvalid;
  if (!out->is_object()) return JsonObjectError::kNotObject;
  return JsonObjectError::kNone;
}

}  // namespace modelgate::eval
