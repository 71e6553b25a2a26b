// JsonDepth: how deeply a JSON text nests, measured before any parser sees it.
//
// nlohmann-json's DOM parser recurses once per nesting level, so hostile JSON
// (bundles, configs, statements) is measured first and refused past
// Limits::max_json_depth. The scan skips strings (with escapes) and never
// allocates.
#ifndef MODELGATE_BASE_JSON_DEPTH_H_
#define MODELGATE_BASE_JSON_DEPTH_H_

#include <cstddef>
#include <string_view>

namespace modelgate {

// Deepest [ / { nesting outside strings. Stops early and returns a value
// greater than `limit` as soon as the limit is passed. Unbalanced input is
// measured as far as it goes (the parser reports the syntax error).
std::size_t JsonDepth(std::string_view text, std::size_t limit);

}  // namespace modelgate

#endif  // MODELGATE_BASE_JSON_DEPTH_H_
