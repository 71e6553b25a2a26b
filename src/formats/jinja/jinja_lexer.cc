// Jinja tokenizer. See jinja_lexer.h; rules follow jinja2/lexer.py (3.1).
#include "formats/jinja/jinja_lexer.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "base/utf8.h"

namespace modelgate {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// \N{...} names for the ASCII range (what matters for spelling identifiers
// and delimiters). Python matches names case-insensitively.
bool LookupUnicodeName(std::string name, std::uint32_t* cp) {
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::pair<const char*, char> kNames[] = {
      {"LOW LINE", '_'},          {"FULL STOP", '.'},         {"SPACE", ' '},
      {"LEFT SQUARE BRACKET", '['}, {"RIGHT SQUARE BRACKET", ']'}, {"LEFT PARENTHESIS", '('},
      {"RIGHT PARENTHESIS", ')'}, {"LEFT CURLY BRACKET", '{'}, {"RIGHT CURLY BRACKET", '}'},
      {"APOSTROPHE", '\''},       {"QUOTATION MARK", '"'},    {"SOLIDUS", '/'},
      {"REVERSE SOLIDUS", '\\'},  {"VERTICAL LINE", '|'},     {"TILDE", '~'},
      {"HYPHEN-MINUS", '-'},      {"COMMA", ','},             {"COLON", ':'},
      {"SEMICOLON", ';'},         {"EQUALS SIGN", '='},       {"NUMBER SIGN", '#'},
      {"PERCENT SIGN", '%'},      {"AMPERSAND", '&'},         {"ASTERISK", '*'},
      {"PLUS SIGN", '+'},         {"LESS-THAN SIGN", '<'},    {"GREATER-THAN SIGN", '>'},
      {"QUESTION MARK", '?'},     {"COMMERCIAL AT", '@'},     {"CIRCUMFLEX ACCENT", '^'},
      {"GRAVE ACCENT", '`'},      {"EXCLAMATION MARK", '!'},  {"DOLLAR SIGN", '$'},
      {"LINE FEED", '\n'},        {"CHARACTER TABULATION", '\t'}, {"NULL", '\0'},
  };
  for (const auto& [n, c] : kNames) {
    if (name == n) {
      *cp = static_cast<unsigned char>(c);
      return true;
    }
  }
  static const char* kDigits[] = {"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"};
  for (int d = 0; d < 10; ++d) {
    if (name == std::string("DIGIT ") + kDigits[d]) {
      *cp = '0' + d;
      return true;
    }
  }
  for (const char* prefix : {"LATIN SMALL LETTER ", "LATIN CAPITAL LETTER "}) {
    std::string p(prefix);
    if (name.size() == p.size() + 1 && name.compare(0, p.size(), p) == 0 && std::isalpha(static_cast<unsigned char>(name.back()))) {
      char letter = name.back();
      *cp = static_cast<unsigned char>(p[6] == 'S' ? std::tolower(letter) : letter);
      return true;
    }
  }
  return false;
}

}  // namespace

bool DecodeJinjaString(std::string_view body, std::string* out, bool* escaped, bool* unknown_name) {
  out->clear();
  *escaped = false;
  *unknown_name = false;
  const std::size_t n = body.size();
  for (std::size_t i = 0; i < n; ++i) {
    char c = body[i];
    if (c == '\r' && i + 1 < n && body[i + 1] == '\n') continue;  // Jinja normalises newlines first
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (i + 1 >= n) return false;  // "\ at end of string"
    char d = body[i + 1];
    auto hex = [&](std::size_t digits, std::uint32_t* v) {
      if (i + 2 + digits > n) return false;
      *v = 0;
      for (std::size_t k = 0; k < digits; ++k) {
        int h = HexValue(body[i + 2 + k]);
        if (h < 0) return false;
        *v = *v * 16 + static_cast<std::uint32_t>(h);
      }
      return true;
    };
    std::uint32_t cp = 0;
    switch (d) {
      case '\n': ++i; *escaped = true; continue;
      case '\\': case '\'': case '"': out->push_back(d); ++i; *escaped = true; continue;
      case 'a': out->push_back('\a'); ++i; *escaped = true; continue;
      case 'b': out->push_back('\b'); ++i; *escaped = true; continue;
      case 'f': out->push_back('\f'); ++i; *escaped = true; continue;
      case 'n': out->push_back('\n'); ++i; *escaped = true; continue;
      case 'r': out->push_back('\r'); ++i; *escaped = true; continue;
      case 't': out->push_back('\t'); ++i; *escaped = true; continue;
      case 'v': out->push_back('\v'); ++i; *escaped = true; continue;
      case 'x': case 'u': case 'U': {
        std::size_t digits = d == 'x' ? 2 : d == 'u' ? 4 : 8;
        if (!hex(digits, &cp) || cp > 0x10FFFF) return false;
        AppendUtf8(cp, out);
        i += 1 + digits;
        *escaped = true;
        continue;
      }
      case 'N': {
        if (i + 2 >= n || body[i + 2] != '{') return false;
        std::size_t close = body.find('}', i + 3);
        if (close == std::string_view::npos || close == i + 3) return false;
        if (LookupUnicodeName(std::string(body.substr(i + 3, close - i - 3)), &cp)) {
          AppendUtf8(cp, out);
        } else {
          AppendUtf8(0xFFFD, out);
          *unknown_name = true;
        }
        i = close;
        *escaped = true;
        continue;
      }
      default: break;
    }
    if (d >= '0' && d <= '7') {
      std::size_t k = i + 1;
      cp = 0;
      while (k < n && k < i + 4 && body[k] >= '0' && body[k] <= '7') cp = cp * 8 + static_cast<std::uint32_t>(body[k++] - '0');
      AppendUtf8(cp, out);
      i = k - 1;
      *escaped = true;
      continue;
    }
    out->push_back('\\');  // unknown escape: Python keeps the backslash
  }
  return true;
}

namespace {

class Lexer {
 public:
  Lexer(std::string_view src, const Limits& limits, JinjaLexResult* out) : s_(src), limits_(limits), out_(out) {}

  void Run() {
    while (pos_ < s_.size() && out_->status == JinjaLexStatus::kOk) LexText();
  }

 private:
  void Locate(std::size_t off, std::uint32_t* line, std::uint32_t* col) {
    // Offsets only move forward, so counting newlines stays O(n) overall.
    for (; scanned_ < off; ++scanned_) {
      if (s_[scanned_] == '\n') {
        ++line_;
        line_start_ = scanned_ + 1;
      }
    }
    *line = line_;
    *col = off >= line_start_ ? static_cast<std::uint32_t>(off - line_start_ + 1) : 1;
  }
  void Emit(JinjaTokenKind kind, std::size_t off, std::string value) {
    JinjaToken t;
    t.kind = kind;
    t.value = std::move(value);
    t.offset = static_cast<std::uint32_t>(off);
    Locate(off, &t.line, &t.column);
    out_->tokens.push_back(std::move(t));
  }
  void Fail(JinjaLexStatus status, std::size_t off, std::string msg) {
    out_->status = status;
    out_->error = std::move(msg);
    Locate(off, &out_->error_line, &out_->error_column);
  }
  bool At(std::size_t p, std::string_view lit) const { return s_.compare(p, lit.size(), lit) == 0; }
  std::size_t SkipSpace(std::size_t p) const {
    while (p < s_.size() && IsSpace(s_[p])) ++p;
    return p;
  }

  // {% raw %} ... {% endraw %}: returns true when the tag at pos_ is a raw
  // block (consumed, body emitted as text).
  bool TryRaw(std::size_t after_open) {
    std::size_t p = SkipSpace(after_open);
    if (!At(p, "raw")) return false;
    p = SkipSpace(p + 3);
    if (At(p, "-%}") || At(p, "+%}")) {
      p += 3;
    } else if (At(p, "%}")) {
      p += 2;
    } else {
      return false;
    }
    std::size_t body = p;
    for (std::size_t q = s_.find("{%", p); q != std::string_view::npos; q = s_.find("{%", q + 2)) {
      std::size_t r = q + 2;
      if (r < s_.size() && (s_[r] == '-' || s_[r] == '+')) ++r;
      r = SkipSpace(r);
      if (!At(r, "endraw")) continue;
      r = SkipSpace(r + 6);
      std::size_t end = At(r, "%}") ? r + 2 : (At(r, "-%}") || At(r, "+%}")) ? r + 3 : 0;
      if (end == 0) continue;
      Emit(JinjaTokenKind::kText, body, std::string(s_.substr(body, q - body)));
      pos_ = end;
      return true;
    }
    Fail(JinjaLexStatus::kSyntaxError, pos_, "missing end of raw directive");
    return true;
  }

  void LexText() {
    std::size_t start = pos_;
    std::size_t p = pos_;
    while (true) {
      p = s_.find('{', p);
      if (p == std::string_view::npos || p + 1 >= s_.size()) {
        Emit(JinjaTokenKind::kText, start, std::string(s_.substr(start)));
        pos_ = s_.size();
        return;
      }
      char k = s_[p + 1];
      if (k == '{' || k == '%' || k == '#') break;
      ++p;
    }
    if (p > start) Emit(JinjaTokenKind::kText, start, std::string(s_.substr(start, p - start)));
    pos_ = p;
    char k = s_[p + 1];
    std::size_t after = p + 2;
    if (after < s_.size() && (s_[after] == '-' || s_[after] == '+')) ++after;
    if (k == '#') {
      std::size_t close = s_.find("#}", after);
      if (close == std::string_view::npos) {
        Fail(JinjaLexStatus::kSyntaxError, p, "missing end of comment tag");
        return;
      }
      pos_ = close + 2;
      return;
    }
    if (k == '%' && TryRaw(after)) return;
    bool variable = k == '{';
    Emit(variable ? JinjaTokenKind::kVariableBegin : JinjaTokenKind::kBlockBegin, p, variable ? "{{" : "{%");
    pos_ = after;
    LexTag(variable);
  }

  void LexTag(bool variable) {
    std::string stack;  // open brackets
    while (true) {
      pos_ = SkipSpace(pos_);
      if (pos_ >= s_.size()) {
        Fail(JinjaLexStatus::kSyntaxError, pos_, std::string("unexpected end of template, expected '") +
                                                     (variable ? "}}" : "%}") + "'");
        return;
      }
      if (stack.empty()) {
        std::size_t end = 0;
        if (variable) {
          if (At(pos_, "-}}") || At(pos_, "+}}")) end = 3;
          else if (At(pos_, "}}")) end = 2;
        } else {
          if (At(pos_, "-%}") || At(pos_, "+%}")) end = 3;
          else if (At(pos_, "%}")) end = 2;
        }
        if (end != 0) {
          Emit(variable ? JinjaTokenKind::kVariableEnd : JinjaTokenKind::kBlockEnd, pos_, variable ? "}}" : "%}");
          pos_ += end;
          return;
        }
      }
      char c = s_[pos_];
      std::size_t start = pos_;
      if (IsNameStart(c)) {
        while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
        Emit(JinjaTokenKind::kName, start, std::string(s_.substr(start, pos_ - start)));
        continue;
      }
      if (c == '\'' || c == '"') {
        std::size_t q = pos_ + 1;
        while (q < s_.size() && s_[q] != c) q += s_[q] == '\\' ? 2 : 1;
        if (q >= s_.size()) {
          Fail(JinjaLexStatus::kSyntaxError, start, "unterminated string literal");
          return;
        }
        JinjaToken t;
        bool ok = DecodeJinjaString(s_.substr(start + 1, q - start - 1), &t.value, &t.escaped, &t.unknown_named_escape);
        if (!ok) {
          Fail(JinjaLexStatus::kSyntaxError, start, "string literal with an escape Python rejects");
          return;
        }
        t.kind = JinjaTokenKind::kString;
        t.raw = std::string(s_.substr(start, q + 1 - start));
        t.offset = static_cast<std::uint32_t>(start);
        Locate(start, &t.line, &t.column);
        out_->tokens.push_back(std::move(t));
        pos_ = q + 1;
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c))) {
        while (pos_ < s_.size() && (IsNameChar(s_[pos_]) ||
                                    (s_[pos_] == '.' && pos_ + 1 < s_.size() &&
                                     std::isdigit(static_cast<unsigned char>(s_[pos_ + 1]))) ||
                                    ((s_[pos_] == '+' || s_[pos_] == '-') && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E')))) {
          ++pos_;
        }
        Emit(JinjaTokenKind::kNumber, start, std::string(s_.substr(start, pos_ - start)));
        continue;
      }
      static const std::string_view kTwo[] = {"**", "//", "==", "!=", ">=", "<="};
      std::size_t len = 0;
      for (std::string_view op : kTwo) {
        if (At(pos_, op)) len = 2;
      }
      if (len == 0 && std::string_view("+-/*%~[](){}<>=.:|,;").find(c) != std::string_view::npos) len = 1;
      if (len == 0) {
        Fail(JinjaLexStatus::kSyntaxError, start, std::string("unexpected char '") + c + "'");
        return;
      }
      if (len == 1 && (c == '(' || c == '[' || c == '{')) {
        if (stack.size() >= limits_.max_jinja_nesting) {
          Fail(JinjaLexStatus::kNestingLimit, start,
               "brackets nested deeper than " + std::to_string(limits_.max_jinja_nesting));
          return;
        }
        stack.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (len == 1 && (c == ')' || c == ']' || c == '}')) {
        if (stack.empty() || stack.back() != c) {
          Fail(JinjaLexStatus::kSyntaxError, start, std::string("unexpected '") + c + "'");
          return;
        }
        stack.pop_back();
      }
      Emit(JinjaTokenKind::kOperator, start, std::string(s_.substr(start, len)));
      pos_ += len;
    }
  }

  std::string_view s_;
  const Limits& limits_;
  JinjaLexResult* out_;
  std::size_t pos_ = 0;
  std::size_t scanned_ = 0;
  std::size_t line_start_ = 0;
  std::uint32_t line_ = 1;
};

}  // namespace

JinjaLexResult LexJinja(std::string_view source, const Limits& limits) {
  JinjaLexResult out;
  Lexer(source, limits, &out).Run();
  return out;
}

}  // namespace modelgate
