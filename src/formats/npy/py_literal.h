// PyLiteral: a bounded evaluator for the subset of Python literal syntax that
// ast.literal_eval accepts and numpy's .npy headers use.
//
// Input is UTF-8 text. Output is a flat arena of nodes (children by index),
// built with an explicit container stack: no recursion, nesting capped at
// kMaxBracketDepth (CPython's own parser limit, so deeper input is rejected
// by Python too). Thread-safe; no state outside the call.
#ifndef MODELGATE_FORMATS_NPY_PY_LITERAL_H_
#define MODELGATE_FORMATS_NPY_PY_LITERAL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modelgate {

inline constexpr std::size_t kMaxBracketDepth = 200;  // CPython tokenizer MAXLEVEL

enum class PyKind { kStr, kBytes, kInt, kOtherNumber, kBool, kNone, kTuple, kList, kDict, kSet };

struct PyNode {
  PyKind kind = PyKind::kNone;
  std::string text;         // str/bytes contents, number spelling
  std::int64_t ival = 0;    // kInt / kBool
  bool int_overflow = false;  // kInt beyond int64
  std::vector<std::uint32_t> children;  // dict: key, value, key, value ...
};

struct ParseError {
  bool unsupported = false;  // valid Python, but not evaluated here
  std::size_t offset = 0;
  std::string message;
};

// Evaluates `s` (leading spaces/tabs already stripped) into `nodes`.
// strip_long: drop a Python 2 "L" after an int, as numpy's _filter_header
// does for format versions <= 2.0.
// Returns true and sets *root on success; false with *err filled otherwise
// (err->unsupported: valid Python the evaluator does not handle).
bool ParsePyLiteral(std::string_view s, bool strip_long, std::vector<PyNode>* nodes, std::uint32_t* root,
                    ParseError* err);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_NPY_PY_LITERAL_H_
