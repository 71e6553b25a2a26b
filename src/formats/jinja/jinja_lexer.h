// JinjaLexer: a faithful, bounded tokenizer for Jinja2 templates with the
// default delimiters (jinja2/lexer.py), as chat templates use them.
//
// Produces the token stream Jinja's own lexer produces: text between tags,
// `{{ ... }}` (variable), `{% ... %}` (block) with whitespace control
// (`{%-`, `-%}`, `{%+`, `+%}`), comments `{# ... #}` (dropped), and
// `{% raw %} ... {% endraw %}` (returned as text). Inside tags: names,
// string literals with every Python escape decoded as Jinja decodes them
// (`.encode("ascii", "backslashreplace").decode("unicode-escape")`: \x5f,
// \u005f, \U0000005f, \137, \N{LOW LINE}, ...), numbers and operators. As in
// Jinja, `}}` and `%}` only close a tag when brackets are balanced.
//
// Iterative, single pass; bracket nesting is bounded by
// Limits::max_jinja_nesting. Tokens borrow nothing: decoded strings are owned.
#ifndef MODELGATE_FORMATS_JINJA_JINJA_LEXER_H_
#define MODELGATE_FORMATS_JINJA_JINJA_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/limits.h"

namespace modelgate {

enum class JinjaTokenKind {
  kText,           // template data (also the body of {% raw %})
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,
  kString,         // value = decoded literal
  kNumber,         // value = source text
  kOperator,       // value = the operator ("[", "|", "~", "//" ...)
};

struct JinjaToken {
  JinjaTokenKind kind;
  std::string value;        // see kind; for kText the text
  std::uint32_t line = 1;   // 1-based
  std::uint32_t column = 1; // 1-based, in bytes
  std::uint32_t offset = 0; // byte offset in the template
  // kString only: the literal as written (with quotes), and whether an
  // escape sequence produced any of its characters.
  std::string raw;
  bool escaped = false;
  // kString only: a \N{...} name the lexer does not know (the decoded value
  // holds U+FFFD in its place).
  bool unknown_named_escape = false;
};

enum class JinjaLexStatus {
  kOk,
  kSyntaxError,    // Jinja raises TemplateSyntaxError (unterminated tag, string, bad char ...)
  kNestingLimit,   // brackets nested deeper than Limits::max_jinja_nesting
};

struct JinjaLexResult {
  std::vector<JinjaToken> tokens;
  JinjaLexStatus status = JinjaLexStatus::kOk;
  std::string error;            // for kSyntaxError / kNestingLimit
  std::uint32_t error_line = 0;
  std::uint32_t error_column = 0;
};

// Tokenizes `source`. Stops at the first error, keeping the tokens read so
// far. Thread-safe; the result owns everything.
JinjaLexResult LexJinja(std::string_view source, const Limits& limits);

// Decodes the body of a Jinja string literal (without quotes) as Python's
// unicode-escape codec does. Returns false on an escape Python rejects
// (truncated \x, \u, bad \N{}); *escaped / *unknown_name as in JinjaToken.
bool DecodeJinjaString(std::string_view body, std::string* out, bool* escaped, bool* unknown_name);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_JINJA_JINJA_LEXER_H_
