// PyLiteral implementation: a tokenizer following CPython's rules for the
// tokens literal_eval can see (strings with prefixes, escapes and implicit
// concatenation, numbers, names, brackets, comments, line continuations) and
// a shift-only parser whose only state is the open-container stack.
#include "formats/npy/py_literal.h"

#include "base/utf8.h"

#include <utility>

namespace modelgate {
namespace {

enum class Tok { kOpen, kClose, kColon, kComma, kStr, kBytes, kNumber, kName, kSign, kEnd, kNewline };

struct Token {
  Tok type = Tok::kEnd;
  char ch = 0;  // bracket / sign character
  std::string text;
  std::size_t offset = 0;
};

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (static_cast<unsigned char>(c) >= 0x80);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Tokenizer over UTF-8 text (1.x/2.x headers are converted from latin-1 first).
class PyTokenizer {
 public:
  PyTokenizer(std::string_view s, bool strip_long_suffix) : s_(s), strip_long_(strip_long_suffix) {}

  // depth: current bracket depth (newlines inside brackets are whitespace).
  bool Next(std::size_t depth, Token* t, ParseError* err) {
    for (;;) {
      if (pos_ >= s_.size()) {
        *t = Token{Tok::kEnd, 0, "", pos_};
        return true;
      }
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\f' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;  // explicit line continuation
      } else if (c == '\n') {
        ++pos_;
        if (depth == 0) {
          *t = Token{Tok::kNewline, 0, "", pos_ - 1};
          return true;
        }
      } else {
        break;
      }
    }
    std::size_t start = pos_;
    char c = s_[pos_];
    if (c == '{' || c == '(' || c == '[') {
      ++pos_;
      *t = Token{Tok::kOpen, c, "", start};
      return true;
    }
    if (c == '}' || c == ')' || c == ']') {
      ++pos_;
      *t = Token{Tok::kClose, c, "", start};
      return true;
    }
    if (c == ':' || c == ',') {
      ++pos_;
      *t = Token{c == ':' ? Tok::kColon : Tok::kComma, c, "", start};
      return true;
    }
    if (c == '-' || c == '+') {
      ++pos_;
      *t = Token{Tok::kSign, c, "", start};
      return true;
    }
    if ((c >= '0' && c <= '9') || (c == '.' && pos_ + 1 < s_.size() && s_[pos_ + 1] >= '0' &&
                                   s_[pos_ + 1] <= '9')) {
      Number(t);
      return true;
    }
    if (IsIdentChar(c)) {
      while (pos_ < s_.size() && IsIdentChar(s_[pos_])) ++pos_;
      std::string_view word = s_.substr(start, pos_ - start);
      if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"') && word.size() <= 2) {
        return String(start, word, t, err);
      }
      *t = Token{Tok::kName, 0, std::string(word), start};
      return true;
    }
    if (c == '\'' || c == '"') return String(start, "", t, err);
    *err = ParseError{false, start, "unexpected character"};
    return false;
  }

 private:
  void Number(Token* t) {
    std::size_t start = pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      bool exp_sign = (c == '+' || c == '-') && pos_ > start &&
                      (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E') && !IsHexPrefixed(start);
      if (IsIdentChar(c) || c == '.' || exp_sign) {
        ++pos_;
      } else {
        break;
      }
    }
    std::string text(s_.substr(start, pos_ - start));
    // numpy's _filter_header (1.x/2.x only) drops a NAME token "L" that
    // directly follows a NUMBER: Python 2 longs such as (3L, 4L).
    if (strip_long_ && text.size() > 1 && text.back() == 'L') text.pop_back();
    if (strip_long_) {
      std::size_t p = pos_;
      while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\t')) ++p;
      if (p < s_.size() && s_[p] == 'L' && (p + 1 >= s_.size() || !IsIdentChar(s_[p + 1]))) pos_ = p + 1;
    }
    *t = Token{Tok::kNumber, 0, std::move(text), start};
  }

  bool IsHexPrefixed(std::size_t start) const {
    return start + 1 < s_.size() && s_[start] == '0' && (s_[start + 1] == 'x' || s_[start + 1] == 'X');
  }

  bool String(std::size_t start, std::string_view prefix, Token* t, ParseError* err) {
    bool raw = false, bytes = false;
    for (char p : prefix) {
      switch (p) {
        case 'r': case 'R': raw = true; break;
        case 'b': case 'B': bytes = true; break;
        case 'u': case 'U': break;
        case 'f': case 'F':
          *err = ParseError{false, start, "f-string in header (literal_eval rejects it)"};
          return false;
        default:
          *err = ParseError{false, start, "invalid string prefix"};
          return false;
      }
    }
    char q = s_[pos_];
    bool triple = pos_ + 2 < s_.size() && s_[pos_ + 1] == q && s_[pos_ + 2] == q;
    pos_ += triple ? 3 : 1;
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) {
        *err = ParseError{false, start, "unterminated string"};
        return false;
      }
      char c = s_[pos_];
      if (c == q) {
        if (!triple) {
          ++pos_;
          break;
        }
        if (pos_ + 2 < s_.size() && s_[pos_ + 1] == q && s_[pos_ + 2] == q) {
          pos_ += 3;
          break;
        }
      }
      if (c == '\n' && !triple) {
        *err = ParseError{false, pos_, "newline in string"};
        return false;
      }
      if (bytes && static_cast<unsigned char>(c) >= 0x80) {
        *err = ParseError{false, pos_, "non-ASCII character in bytes literal"};
        return false;
      }
      if (c != '\\' || raw) {
        out.push_back(c);
        ++pos_;
        if (raw && c == '\\' && pos_ < s_.size()) out.push_back(s_[pos_++]);
        continue;
      }
      if (pos_ + 1 >= s_.size()) {
        *err = ParseError{false, pos_, "unterminated string"};
        return false;
      }
      char e = s_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case '\n': break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case 'x': case 'u': case 'U': {
          int digits = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
          if (e != 'x' && bytes) {  // \u in bytes is kept verbatim
            out.push_back('\\');
            out.push_back(e);
            break;
          }
          std::uint32_t cp = 0;
          for (int i = 0; i < digits; ++i) {
            int h = pos_ < s_.size() ? HexValue(s_[pos_]) : -1;
            if (h < 0) {
              *err = ParseError{false, pos_, "truncated \\x/\\u escape"};
              return false;
            }
            cp = (cp << 4) | static_cast<std::uint32_t>(h);
            ++pos_;
          }
          if (cp > 0x10FFFF) {
            *err = ParseError{false, pos_, "escape beyond U+10FFFF"};
            return false;
          }
          if (bytes) {
            out.push_back(static_cast<char>(cp));
          } else {
            AppendUtf8(cp, &out);
          }
          break;
        }
        case 'N':
          *err = ParseError{true, pos_ - 2, "\\N{...} escape is not evaluated"};
          return false;
        default:
          if (e >= '0' && e <= '7') {
            std::uint32_t v = static_cast<std::uint32_t>(e - '0');
            for (int i = 0; i < 2 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7'; ++i) {
              v = v * 8 + static_cast<std::uint32_t>(s_[pos_++] - '0');
            }
            if (bytes) {
              out.push_back(static_cast<char>(v & 0xFF));
            } else {
              AppendUtf8(v, &out);
            }
          } else {  // unknown escapes stay as written (Python only warns)
            out.push_back('\\');
            out.push_back(e);
          }
      }
    }
    *t = Token{bytes ? Tok::kBytes : Tok::kStr, 0, std::move(out), start};
    return true;
  }

  std::string_view s_;
  bool strip_long_;
  std::size_t pos_ = 0;
};

// Parses a decimal/hex/octal/binary int literal (underscores allowed).
// Returns false when `text` is not an int literal (floats, complex, junk).
bool ParseIntLiteral(const std::string& text, std::uint64_t* value, bool* overflow) {
  int base = 10;
  std::size_t i = 0;
  if (text.size() > 2 && text[0] == '0') {
    char p = static_cast<char>(text[1] | 0x20);
    if (p == 'x') base = 16;
    if (p == 'o') base = 8;
    if (p == 'b') base = 2;
    if (base != 10) i = 2;
  }
  if (i >= text.size()) return false;
  std::uint64_t v = 0;
  bool any = false, prev_us = true, ovf = false, nonzero = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') {
      if (prev_us) return false;
      prev_us = true;
      continue;
    }
    int d = HexValue(c);
    if (d < 0 || d >= base) return false;
    if (base == 10 && any && !nonzero && d != 0) return false;  // "007" is a SyntaxError
    if (d) nonzero = true;
    if (__builtin_mul_overflow(v, static_cast<std::uint64_t>(base), &v) ||
        __builtin_add_overflow(v, static_cast<std::uint64_t>(d), &v)) {
      ovf = true;
    }
    any = true;
    prev_us = false;
  }
  if (!any || prev_us) return false;
  *value = v;
  *overflow = ovf;
  return true;
}

struct Frame {
  std::uint32_t node;
  char close;
  std::size_t items = 0;
  bool saw_comma = false;
  bool dict_want_value = false;  // dict: after ':'
  bool maybe_set = false;        // '{' whose first item had no ':'
  bool decided = false;          // '{' has seen its first item
};

// Parses `s` into `nodes`; returns the root index or an error.

}  // namespace


bool ParsePyLiteral(std::string_view s, bool strip_long, std::vector<PyNode>* nodes, std::uint32_t* root,
                    ParseError* err) {
  PyTokenizer tz(s, strip_long);
  std::vector<Frame> stack;
  bool want_value = true;
  bool have_root = false;
  Token t;
  Token pending;  // lookahead for string concatenation
  bool has_pending = false;
  auto next = [&](Token* out) {
    if (has_pending) {
      *out = std::move(pending);
      has_pending = false;
      return true;
    }
    return tz.Next(stack.size(), out, err);
  };
  auto new_node = [&](PyKind k) {
    nodes->push_back(PyNode{});
    nodes->back().kind = k;
    return static_cast<std::uint32_t>(nodes->size() - 1);
  };
  for (;;) {
    if (!next(&t)) return false;
    if (t.type == Tok::kNewline) {
      // Only emitted outside brackets: blank lines before or after the
      // literal are fine, a line break inside it ends the statement.
      if (have_root || nodes->empty()) continue;
      *err = ParseError{false, t.offset, "newline inside expression"};
      return false;
    }
    if (have_root) {
      if (t.type == Tok::kEnd) return true;
      *err = ParseError{false, t.offset, "text after the literal"};
      return false;
    }
    if (want_value) {
      std::uint32_t value;
      if (t.type == Tok::kOpen) {
        if (stack.size() >= kMaxBracketDepth) {
          *err = ParseError{false, t.offset, "too many nested brackets"};
          return false;
        }
        PyKind k = t.ch == '(' ? PyKind::kTuple : (t.ch == '[' ? PyKind::kList : PyKind::kDict);
        std::uint32_t n = new_node(k);
        stack.push_back(Frame{n, t.ch == '(' ? ')' : (t.ch == '[' ? ']' : '}')});
        continue;
      }
      if (t.type == Tok::kClose) {
        if (stack.empty() || stack.back().close != t.ch || stack.back().dict_want_value ||
            (stack.back().items > 0 && !stack.back().saw_comma)) {
          *err = ParseError{false, t.offset, "unexpected closing bracket"};
          return false;
        }
        // Empty container, or a trailing comma: close it below.
        Frame f = stack.back();
        stack.pop_back();
        value = f.node;
        if (f.close == '}' && f.maybe_set) (*nodes)[value].kind = PyKind::kSet;
      } else if (t.type == Tok::kStr || t.type == Tok::kBytes) {
        std::uint32_t n = new_node(t.type == Tok::kStr ? PyKind::kStr : PyKind::kBytes);
        std::string text = std::move(t.text);
        // Implicit concatenation: 'a' 'b' == 'ab'.
        for (;;) {
          Token la;
          if (!tz.Next(stack.size(), &la, err)) return false;
          if (la.type == Tok::kStr || la.type == Tok::kBytes) {
            if (la.type != t.type) {
              *err = ParseError{false, la.offset, "cannot mix bytes and str literals"};
              return false;
            }
            text += la.text;
            continue;
          }
          pending = std::move(la);
          has_pending = true;
          break;
        }
        (*nodes)[n].text = std::move(text);
        value = n;
      } else if (t.type == Tok::kNumber || t.type == Tok::kSign) {
        bool negative = false;
        std::size_t at = t.offset;
        if (t.type == Tok::kSign) {
          negative = t.ch == '-';
          if (!next(&t)) return false;
          if (t.type != Tok::kNumber) {
            *err = ParseError{false, t.offset, "sign not followed by a number"};
            return false;
          }
        }
        std::uint64_t u = 0;
        bool ovf = false;
        if (ParseIntLiteral(t.text, &u, &ovf)) {
          std::uint32_t n = new_node(PyKind::kInt);
          PyNode& node = (*nodes)[n];
          node.text = (negative ? "-" : "") + t.text;
          constexpr std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX);
          if (ovf || u > kMax + (negative ? 1 : 0)) {
            node.int_overflow = true;
          } else if (negative) {
            node.ival = u == kMax + 1 ? INT64_MIN : -static_cast<std::int64_t>(u);
          } else {
            node.ival = static_cast<std::int64_t>(u);
          }
          value = n;
        } else {
          bool looks_float = t.text.find_first_not_of("0123456789_.eEjJ+-") == std::string::npos;
          if (!looks_float) {
            *err = ParseError{false, at, "invalid number '" + t.text + "'"};
            return false;
          }
          std::uint32_t n = new_node(PyKind::kOtherNumber);
          (*nodes)[n].text = (negative ? "-" : "") + t.text;
          value = n;
        }
      } else if (t.type == Tok::kName) {
        if (t.text == "True" || t.text == "False") {
          value = new_node(PyKind::kBool);
          (*nodes)[value].ival = t.text == "True" ? 1 : 0;
        } else if (t.text == "None") {
          value = new_node(PyKind::kNone);
        } else {
          *err = ParseError{false, t.offset, "name '" + t.text + "' is not a literal"};
          return false;
        }
      } else {
        *err = ParseError{false, t.offset, "expected a value"};
        return false;
      }
      // Deliver `value` to the enclosing container.
      if (stack.empty()) {
        *root = value;
        have_root = true;
        continue;
      }
      Frame& f = stack.back();
      if (f.close == '}' && !f.decided) {
        f.decided = true;
        f.maybe_set = true;  // becomes a dict if ':' follows
      }
      (*nodes)[f.node].children.push_back(value);
      if (!f.dict_want_value) ++f.items;
      f.dict_want_value = false;
      want_value = false;
      continue;
    }
    // Expecting ',' ':' or a closing bracket.
    if (stack.empty()) {
      *err = ParseError{false, t.offset, "unexpected token"};
      return false;
    }
    Frame& f = stack.back();
    bool is_dict = f.close == '}' && !f.maybe_set;
    if (t.type == Tok::kColon && f.close == '}') {
      if (f.items == 1 && f.maybe_set && (*nodes)[f.node].children.size() == 1) {
        f.maybe_set = false;  // first item had a ':': a dict
      } else if (f.maybe_set || (*nodes)[f.node].children.size() % 2 == 0) {
        *err = ParseError{false, t.offset, "unexpected ':'"};
        return false;
      }
      f.dict_want_value = true;
      want_value = true;
      continue;
    }
    if (is_dict && (*nodes)[f.node].children.size() % 2 == 1) {
      *err = ParseError{false, t.offset, "dict key without a value"};
      return false;
    }
    if (t.type == Tok::kComma) {
      f.saw_comma = true;
      want_value = true;
      continue;
    }
    if (t.type == Tok::kClose && t.ch == f.close) {
      Frame done = f;
      stack.pop_back();
      std::uint32_t value = done.node;
      if (done.close == ')' && done.items == 1 && !done.saw_comma) {
        value = (*nodes)[done.node].children[0];  // "(x)" is x, not a tuple
      }
      if (done.close == '}' && done.maybe_set) (*nodes)[value].kind = PyKind::kSet;
      if (stack.empty()) {
        *root = value;
        have_root = true;
        continue;
      }
      Frame& up = stack.back();
      if (up.close == '}' && !up.decided) {
        up.decided = true;
        up.maybe_set = true;
      }
      (*nodes)[up.node].children.push_back(value);
      if (!up.dict_want_value) ++up.items;
      up.dict_want_value = false;
      continue;
    }
    if (t.type == Tok::kSign || (t.type == Tok::kName && t.text == "j")) {
      *err = ParseError{true, t.offset, "arithmetic (complex literal) is not evaluated"};
      return false;
    }
    *err = ParseError{false, t.offset, "expected ',' or a closing bracket"};
    return false;
  }
}

}  // namespace modelgate
