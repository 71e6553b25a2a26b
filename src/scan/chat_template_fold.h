// Constant folding of Jinja string constructions, for the chat template
// analysis: evaluates the expressions SSTI payloads use to spell names the
// scanner would otherwise see (`'__cla' ~ 'ss__'`, `'__ssalc__'|reverse`,
// `'%c%c'|format(95, 95)`, `['__cl', 'ass__']|join`, `dict(__cla=1, ss__=1)|join`,
// `'_' * 2`, `'{}{}'.format('_', '_')`, `'x'[::-1]`, `.replace`, ...) when
// every operand is a literal.
//
// Parenthesised sub-expressions are folded to a fixed depth (kMaxFoldDepth),
// so the recursion is bounded by a constant, not by the template.
#ifndef MODELGATE_SCAN_CHAT_TEMPLATE_FOLD_H_
#define MODELGATE_SCAN_CHAT_TEMPLATE_FOLD_H_

#include <cstddef>
#include <string>
#include <vector>

#include "formats/jinja/jinja_lexer.h"

namespace modelgate {

struct FoldedString {
  bool ok = false;          // a constant string (or list of strings) starts at `begin`
  bool is_list = false;
  std::string value;        // when !is_list
  std::vector<std::string> list;
  int operations = 0;       // constructions applied (0 = a plain literal)
  std::size_t end = 0;      // one past the last token of the folded expression
  std::string how;          // the operations, e.g. "~ |reverse"
};

// Folds the longest constant string expression starting at tokens[begin],
// not reading at or past tokens[limit].
FoldedString FoldConstantString(const std::vector<JinjaToken>& tokens, std::size_t begin, std::size_t limit);

// Longest folded value kept; longer results are cut (enough to see a name).
inline constexpr std::size_t kMaxFoldedChars = 4096;

}  // namespace modelgate

#endif  // MODELGATE_SCAN_CHAT_TEMPLATE_FOLD_H_
