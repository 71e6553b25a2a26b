// Static facts about one Python source file, read from its token stream
// (python_tokenizer.h): what it imports, which calls it makes (callees
// resolved through import aliases, simple assignments, builtins, constant
// `__import__` / `importlib.import_module` / `getattr` and a few builtin
// tricks), which dotted names it references without calling, which string
// literals look like encoded blobs, and whether each call runs at import
// time (module level, class bodies, decorators, default values) or later
// (function and lambda bodies, `if __name__ == "__main__":`).
//
// This reader decides nothing about danger: src/scan/python_analyzer.cc does.
// Values are resolved flow-insensitively (the last simple assignment of a
// name wins) with a small constant folder (string concatenation, chr(),
// [::-1] slices, base64/hex decoding of constants). Expression evaluation is
// nested at most kMaxEvalDepth levels and charged against a budget
// proportional to the token count, so hostile files cost O(n).
//
// Thread-safe (no shared state). Never fails: tokenizer errors and limits
// are reported in SourceFacts.
#ifndef MODELGATE_FORMATS_PYTHON_PYTHON_SOURCE_H_
#define MODELGATE_FORMATS_PYTHON_PYTHON_SOURCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/python/python_tokenizer.h"
#include "modelgate/limits.h"

namespace modelgate::python {

inline constexpr int kMaxEvalDepth = 8;

// Where something happens in the file.
struct Site {
  std::uint32_t line = 0;
  std::uint32_t col = 0;    // 1-based
  bool at_import = false;   // runs when the module is imported
  std::string function;     // innermost enclosing def, "" at module or class level
};

struct Import {
  Site site;
  std::string module;    // "a.b" (relative imports keep their dots: ".configuration_x")
  std::string name;      // for `from m import name`; "" for `import m`
  std::string bound_as;  // the local name bound
};

enum class ValueKind : std::uint8_t {
  kUnknown,
  kName,     // a dotted name: "os.system", "builtins.exec", "self.linear" ...
  kString,   // a constant string (or number, as text)
  kDecoded,  // the output of a decoder (base64, hex, zlib, codecs, marshal, compile of decoded)
};

struct Value {
  ValueKind kind = ValueKind::kUnknown;
  std::string text;          // kName: the name; kString: the constant; kDecoded: the decoder
  bool resolved = false;     // kName: the root came from an import, a builtin or an alias of one
  bool built = false;        // the name or string was assembled from pieces (concatenation, chr(), reversal)
  std::string computed;      // non-empty: a name that could not be evaluated, e.g. "getattr(os, <computed>)"
  std::string payload;       // kDecoded: the decoded constant (truncated), when the input was a constant
  bool obscured = false;     // built with chr() or a reversal, which plain code never needs
};

struct Call {
  Site site;
  std::string written;       // the callee as written (at most 120 bytes)
  Value callee;
  std::vector<Value> args;   // the first three positional arguments, evaluated
  std::optional<Value> mode; // the `mode=` keyword (open)
  std::uint32_t arg_count = 0;
};

struct Reference {
  Site site;
  std::string name;          // a resolved dotted name used without being called
  bool built = false;        // assembled from pieces (see Value::built)
};

struct EncodedLiteral {
  Site site;
  std::size_t length = 0;
  std::string alphabet;      // "base64" or "hex"
};

struct SourceFacts {
  std::vector<Import> imports;
  std::vector<Call> calls;
  std::vector<Reference> references;
  std::vector<EncodedLiteral> encoded_literals;
  std::uint32_t max_chr_calls_in_statement = 0;
  Site chr_site;
  std::string encoding;      // PEP 263 declaration, "" when none
  std::vector<std::pair<Site, std::string>> non_ascii_names;  // identifiers with non-ASCII bytes
  TokenizeError error = TokenizeError::kNone;
  std::uint32_t error_line = 0, error_col = 0;
  bool truncated = false;    // tokenizing stopped at a limit
  bool budget_exhausted = false;  // expression evaluation stopped at its budget
  std::size_t token_count = 0;
};

SourceFacts ReadPythonSource(std::string_view source, const Limits& limits);

}  // namespace modelgate::python

#endif  // MODELGATE_FORMATS_PYTHON_PYTHON_SOURCE_H_
