// BoundedYaml: loads untrusted YAML (suites, model-card front matter) with
// yaml-cpp only after a linear pre-scan has bounded its nesting.
//
// yaml-cpp builds its node tree recursively and throws; hostile text could
// nest `[[[[...` or `- - - -` deep enough to exhaust the stack, and anchors
// with aliases let a small document name one subtree many times (a walker
// over such a tree does exponential work). So before yaml-cpp sees the text
// we measure its nesting (block indentation levels, `- ` / `? ` entries and
// flow `[` `{` brackets, outside quotes, comments and block scalars) and
// refuse anchors and aliases, which suites and model cards have no use for.
// Exceptions from yaml-cpp are caught here and returned as Status values.
#ifndef MODELGATE_EVAL_SUITE_BOUNDED_YAML_H_
#define MODELGATE_EVAL_SUITE_BOUNDED_YAML_H_

#include <cstddef>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct YamlScan {
  std::size_t depth = 0;          // deepest nesting seen (stops counting past the limit)
  std::size_t anchor_line = 0;    // 1-based line of the first anchor / alias, 0 when none
  std::size_t deep_line = 0;      // 1-based line where the depth limit was passed, 0 when not
};

// Measures `text` in one pass without allocating. Over-estimates rather
// than under-estimates (every indentation step counts as a level). Stops
// at the first line deeper than `limit`.
YamlScan ScanYaml(std::string_view text, std::size_t limit);

// Loads one YAML document. Returns kLimitExceeded ("<source>:<line>: ...")
// past limits.max_yaml_depth, kCorruption for anchors/aliases and for text
// yaml-cpp rejects (with yaml-cpp's line). `first_line` is the line number
// of text[0] in the file (front matter starts at line 2). Never throws.
Result<YAML::Node> LoadBoundedYaml(std::string_view text, const std::string& source, const Limits& limits,
                                   std::size_t first_line = 1);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_BOUNDED_YAML_H_
