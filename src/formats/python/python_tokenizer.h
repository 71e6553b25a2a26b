// A Python 3 tokenizer for static analysis of repository source files
// (modeling_*.py and friends). It follows CPython's tokenizer closely enough
// that the analysis sees the code Python would run:
//   - strings with every prefix (r, b, u, f and combinations, any case),
//     single- and triple-quoted, escapes decoded (unless raw);
//   - f-strings as in PEP 701 (Python 3.12): FSTRING_START, literal parts,
//     and the replacement-field expressions as ordinary tokens, so calls
//     hidden in f"{os.system('x')}" are in the stream; nested f-strings and
//     format specs with nested fields work;
//   - comments (skipped), backslash line continuations, implicit joining
//     inside brackets, logical NEWLINE tokens, indentation width per line.
// Iterative (explicit bracket and f-string stacks), one pass, bounded by
// Limits::max_python_tokens and max_python_nesting.
//
// Errors are values: Tokenize always returns the tokens read so far plus,
// when the source is not valid Python as far as the tokenizer can tell, the
// first error. Thread-safe (no shared state).
#ifndef MODELGATE_FORMATS_PYTHON_PYTHON_TOKENIZER_H_
#define MODELGATE_FORMATS_PYTHON_PYTHON_TOKENIZER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/limits.h"

namespace modelgate::python {

enum class TokenKind : std::uint8_t {
  kName,           // identifiers and keywords
  kNumber,
  kString,         // a complete non-f string literal; `value` holds its decoded content
  kFStringStart,   // f" / rf''' ... (text is the prefix and quote)
  kFStringMiddle,  // literal text of an f-string; `value` decoded
  kFStringEnd,
  kOp,             // operators and brackets
  kNewline,        // end of a logical line
};

struct Token {
  TokenKind kind = TokenKind::kOp;
  std::uint32_t begin = 0, end = 0;  // byte range in the source
  std::uint32_t line = 1;            // 1-based
  std::uint32_t col = 0;             // 0-based byte column
  std::uint32_t indent = 0;          // indentation width of the logical line (tabs to multiples of 8)
  bool line_start = false;           // first token of its logical line
  bool bytes = false;                // kString: a bytes literal (b'')
  std::string value;                 // kString / kFStringMiddle: decoded content (UTF-8)
};

enum class TokenizeError : std::uint8_t {
  kNone,
  kUnterminatedString,
  kUnterminatedTripleString,
  kUnmatchedBracket,    // a closing bracket with no opener, or the wrong one
  kUnclosedBracket,     // end of input inside brackets
  kTooDeep,             // brackets / f-strings nested beyond max_python_nesting
  kTooManyTokens,       // max_python_tokens reached; the rest was not read
  kNullByte,            // CPython refuses source with NUL bytes
  kInvalidCharacter,    // a byte that starts no token ($, ?, `, control bytes)
  kBadContinuation,     // a backslash not followed by a newline outside strings
};

std::string_view TokenizeErrorName(TokenizeError e);

struct TokenStream {
  std::vector<Token> tokens;
  TokenizeError error = TokenizeError::kNone;
  std::uint32_t error_line = 0, error_col = 0;
  // True when the error stopped tokenizing early (limits), as opposed to
  // an error after which tokenizing went on.
  bool truncated = false;
};

// Tokenizes `source` (UTF-8; a leading BOM is skipped). Never fails: see
// TokenStream::error. Invalid characters are recorded (first error only)
// and skipped.
TokenStream Tokenize(std::string_view source, const Limits& limits);

// The source text of a token.
inline std::string_view TokenText(std::string_view source, const Token& t) {
  return source.substr(t.begin, t.end - t.begin);
}

// The `# -*- coding: NAME -*-` declaration of the first two lines (PEP 263),
// lower-cased, or "" when there is none.
std::string SourceEncodingDeclaration(std::string_view source);

}  // namespace modelgate::python

#endif  // MODELGATE_FORMATS_PYTHON_PYTHON_TOKENIZER_H_
