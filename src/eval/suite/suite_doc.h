// DocNode: the one tree both suite forms (YAML, JSONL) and model-card front
// matter are read into before their schema is checked, so that schema code
// exists once and every error can name the line it comes from.
//
// Built from an already depth-checked yaml-cpp or nlohmann tree (see
// bounded_yaml.h and base/json_depth.h); the conversion recurses, bounded by
// `max_depth`, which callers take from Limits.
#ifndef MODELGATE_EVAL_SUITE_SUITE_DOC_H_
#define MODELGATE_EVAL_SUITE_SUITE_DOC_H_

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <yaml-cpp/yaml.h>

#include "modelgate/status.h"

namespace modelgate::eval {

struct DocNode {
  enum class Kind { kNull, kScalar, kList, kMap };
  // What a scalar is known to be: JSON says; YAML plain scalars are kAny
  // (their type is decided by the schema), YAML quoted scalars are kString.
  enum class ScalarType { kAny, kString, kNumber, kBool };

  Kind kind = Kind::kNull;
  ScalarType scalar_type = ScalarType::kAny;
  std::string scalar;
  std::size_t line = 0;  // 1-based line in the source file
  std::vector<DocNode> items;                          // kList
  // kMap, in document order, keys unique: keys[i] names values[i]. (Two
  // vectors because std::pair<std::string, DocNode> would need DocNode
  // complete here.)
  std::vector<std::string> keys;
  std::vector<DocNode> values;

  const DocNode* Find(const std::string& key) const;
};

// Converts a yaml-cpp tree. `first_line` is the file line of the YAML text's
// first line. Returns kCorruption for non-scalar or duplicate keys and
// kLimitExceeded deeper than `max_depth`.
Result<DocNode> DocFromYaml(const YAML::Node& node, const std::string& source, std::size_t first_line,
                            std::size_t max_depth);

// Converts a nlohmann tree; every node gets `line`.
Result<DocNode> DocFromJson(const nlohmann::json& value, const std::string& source, std::size_t line,
                            std::size_t max_depth);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_SUITE_DOC_H_
