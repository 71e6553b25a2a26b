// Python tokenizer: see python_tokenizer.h. One forward pass with two
// explicit stacks (open brackets, open f-strings); nothing recurses.
#include "formats/python/python_tokenizer.h"

#include <algorithm>
#include <cctype>

#include "base/utf8.h"

namespace modelgate::python {

std::string_view TokenizeErrorName(TokenizeError e) {
  switch (e) {
    case TokenizeError::kNone: return "none";
    case TokenizeError::kUnterminatedString: return "unterminated string literal";
    case TokenizeError::kUnterminatedTripleString: return "unterminated triple-quoted string literal";
    case TokenizeError::kUnmatchedBracket: return "unmatched closing bracket";
    case TokenizeError::kUnclosedBracket: return "bracket never closed";
    case TokenizeError::kTooDeep: return "brackets or f-strings nested too deeply";
    case TokenizeError::kTooManyTokens: return "too many tokens";
    case TokenizeError::kNullByte: return "NUL byte in source";
    case TokenizeError::kInvalidCharacter: return "invalid character";
    case TokenizeError::kBadContinuation: return "backslash not followed by a newline";
  }
  return "?";
}

namespace {

bool IsIdentStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsIdentChar(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// Escapes may name code points past U+10FFFF; those become U+FFFD.
void AppendCodePoint(std::uint32_t cp, std::string* out) { AppendUtf8(cp > 0x10FFFF ? 0xFFFD : cp, out); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the escape sequence starting at s[i] == '\\'; appends its value
// and returns the bytes consumed. Unknown escapes keep the backslash, as
// Python does.
std::size_t DecodeOneEscape(std::string_view s, std::size_t i, bool bytes, std::string* out) {
  if (i + 1 >= s.size()) {
    out->push_back('\\');
    return 1;
  }
  char c = s[i + 1];
  switch (c) {
    case '\n': return 2;  // line continuation inside the literal
    case '\r': return (i + 2 < s.size() && s[i + 2] == '\n') ? 3 : 2;
    case '\\': out->push_back('\\'); return 2;
    case '\'': out->push_back('\''); return 2;
    case '"': out->push_back('"'); return 2;
    case 'a': out->push_back('\a'); return 2;
    case 'b': out->push_back('\b'); return 2;
    case 'f': out->push_back('\f'); return 2;
    case 'n': out->push_back('\n'); return 2;
    case 'r': out->push_back('\r'); return 2;
    case 't': out->push_back('\t'); return 2;
    case 'v': out->push_back('\v'); return 2;
    default: break;
  }
  if (c >= '0' && c <= '7') {
    std::uint32_t v = 0;
    std::size_t n = 0;
    while (n < 3 && i + 1 + n < s.size() && s[i + 1 + n] >= '0' && s[i + 1 + n] <= '7') {
      v = v * 8 + static_cast<std::uint32_t>(s[i + 1 + n] - '0');
      ++n;
    }
    if (bytes) out->push_back(static_cast<char>(v & 0xFF)); else AppendCodePoint(v, out);
    return 1 + n;
  }
  std::size_t digits = c == 'x' ? 2 : (!bytes && c == 'u') ? 4 : (!bytes && c == 'U') ? 8 : 0;
  if (digits) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < digits; ++k) {
      int h = i + 2 + k < s.size() ? HexValue(s[i + 2 + k]) : -1;
      if (h < 0) {  // a SyntaxError in Python; keep the text
        out->push_back('\\');
        return 1;
      }
      v = v * 16 + static_cast<std::uint32_t>(h);
    }
    if (bytes) out->push_back(static_cast<char>(v & 0xFF)); else AppendCodePoint(v, out);
    return 2 + digits;
  }
  out->push_back('\\');
  return 1;
}

std::string DecodeBody(std::string_view body, bool raw, bool bytes) {
  if (raw) return std::string(body);
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size();) {
    if (body[i] == '\\') {
      i += DecodeOneEscape(body, i, bytes, &out);
    } else {
      out.push_back(body[i++]);
    }
  }
  return out;
}

struct Prefix {
  bool valid = false, raw = false, bytes = false, format = false;
};

Prefix ParsePrefix(std::string_view p) {
  Prefix r;
  if (p.size() > 2) return r;
  bool u = false;
  for (char ch : p) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    bool* flag = c == 'r' ? &r.raw : c == 'b' ? &r.bytes : c == 'f' ? &r.format : c == 'u' ? &u : nullptr;
    if (flag == nullptr || *flag) return r;
    *flag = true;
  }
  if ((r.bytes && r.format) || (u && p.size() > 1)) return r;
  r.valid = true;
  return r;
}

struct Bracket {
  char ch;
  bool fstring_field;   // the '{' opening an f-string replacement field
  bool return_to_spec;  // that field sits inside a format spec
};

enum class FState { kLiteral, kExpr, kSpec };

struct FString {
  char quote;
  bool triple;
  bool raw;
  FState state;
  std::uint32_t line, col;
};

class Tokenizer {
 public:
  Tokenizer(std::string_view source, const Limits& limits) : s_(source), limits_(limits) {}

  TokenStream Run() {
    out_.tokens.reserve(std::min<std::size_t>(s_.size() / 4 + 16, limits_.max_python_tokens));
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = line_begin_ = 3;
    while (pos_ < s_.size() && !stop_) {
      if (!fstrings_.empty() && fstrings_.back().state != FState::kExpr) {
        ScanFStringLiteral();
      } else {
        ScanCode();
      }
    }
    if (!stop_) {
      if (!fstrings_.empty()) {
        SetError(fstrings_.back().triple ? TokenizeError::kUnterminatedTripleString
                                         : TokenizeError::kUnterminatedString,
                 fstrings_.back().line, fstrings_.back().col);
      } else if (!brackets_.empty()) {
        SetError(TokenizeError::kUnclosedBracket, line_, Col());
      }
      if (logical_has_tokens_) Emit(TokenKind::kNewline, pos_, pos_, line_, Col());
    }
    return std::move(out_);
  }

 private:
  std::uint32_t Col() const { return static_cast<std::uint32_t>(pos_ - line_begin_); }

  void SetError(TokenizeError e, std::uint32_t line, std::uint32_t col) {
    if (out_.error != TokenizeError::kNone) return;
    out_.error = e;
    out_.error_line = line;
    out_.error_col = col;
  }
  void Stop(TokenizeError e) {
    out_.error = TokenizeError::kNone;  // the limit is the error that matters
    SetError(e, line_, Col());
    out_.truncated = true;
    stop_ = true;
  }

  void NewPhysicalLine(std::size_t next_pos) {
    ++line_;
    line_begin_ = next_pos;
  }

  // Width of the leading whitespace of the current physical line.
  std::uint32_t IndentOfLine() const {
    std::uint32_t w = 0;
    for (std::size_t i = line_begin_; i < s_.size(); ++i) {
      if (s_[i] == ' ') ++w;
      else if (s_[i] == '\t') w = (w / 8 + 1) * 8;
      else if (s_[i] == '\f') w = 0;
      else break;
    }
    return w;
  }

  Token* Emit(TokenKind kind, std::size_t begin, std::size_t end, std::uint32_t line, std::uint32_t col) {
    if (out_.tokens.size() >= limits_.max_python_tokens) {
      Stop(TokenizeError::kTooManyTokens);
      return nullptr;
    }
    Token t;
    t.kind = kind;
    t.begin = static_cast<std::uint32_t>(begin);
    t.end = static_cast<std::uint32_t>(end);
    t.line = line;
    t.col = col;
    if (kind != TokenKind::kNewline) {
      if (!logical_has_tokens_) {
        t.line_start = true;
        logical_indent_ = IndentOfLine();
        logical_has_tokens_ = true;
      }
    } else {
      logical_has_tokens_ = false;
    }
    t.indent = logical_indent_;
    out_.tokens.push_back(std::move(t));
    return &out_.tokens.back();
  }

  bool PushBracket(Bracket b) {
    if (brackets_.size() + fstrings_.size() >= limits_.max_python_nesting) {
      Stop(TokenizeError::kTooDeep);
      return false;
    }
    brackets_.push_back(b);
    return true;
  }

  void ScanCode() {
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (c == ' ' || c == '\t' || c == '\f') {
      ++pos_;
      return;
    }
    if (c == '\n' || c == '\r') {
      std::size_t n = (c == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') ? 2 : 1;
      if (brackets_.empty() && logical_has_tokens_) Emit(TokenKind::kNewline, pos_, pos_ + n, line_, Col());
      pos_ += n;
      NewPhysicalLine(pos_);
      return;
    }
    if (c == '#') {
      while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') ++pos_;
      return;
    }
    if (c == '\\') {
      std::size_t n = pos_ + 1 < s_.size() && s_[pos_ + 1] == '\r' ? (pos_ + 2 < s_.size() && s_[pos_ + 2] == '\n' ? 3 : 2)
                      : pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n' ? 2 : 0;
      if (n == 0) {
        SetError(TokenizeError::kBadContinuation, line_, Col());
        ++pos_;
        return;
      }
      pos_ += n;
      NewPhysicalLine(pos_);
      return;
    }
    if (c == 0) {
      SetError(TokenizeError::kNullByte, line_, Col());
      ++pos_;
      return;
    }
    std::uint32_t line = line_, col = Col();
    std::size_t begin = pos_;
    if (IsIdentStart(c)) {
      while (pos_ < s_.size() && IsIdentChar(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"')) {
        Prefix p = ParsePrefix(s_.substr(begin, pos_ - begin));
        if (p.valid) {
          ScanString(begin, p, line, col);
          return;
        }
      }
      Emit(TokenKind::kName, begin, pos_, line, col);
      return;
    }
    if (c == '\'' || c == '"') {
      ScanString(begin, Prefix{true, false, false, false}, line, col);
      return;
    }
    if (std::isdigit(c) || (c == '.' && pos_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
      while (pos_ < s_.size()) {
        unsigned char d = static_cast<unsigned char>(s_[pos_]);
        if (std::isalnum(d) || d == '_' || d == '.') {
          ++pos_;
        } else if ((d == '+' || d == '-') && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E') &&
                   !(pos_ - begin >= 2 && (s_[begin + 1] == 'x' || s_[begin + 1] == 'X'))) {
          ++pos_;
        } else {
          break;
        }
      }
      Emit(TokenKind::kNumber, begin, pos_, line, col);
      return;
    }
    ScanOperator(line, col);
  }

  void ScanOperator(std::uint32_t line, std::uint32_t col) {
    // Longest match first: ** // >> << with '=', '...', then two-byte operators.
    std::size_t begin = pos_;
    char c0 = s_[pos_];
    char c1 = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
    char c2 = pos_ + 2 < s_.size() ? s_[pos_ + 2] : '\0';
    std::string_view doubled = "*/<>";
    bool three = (c0 == c1 && c2 == '=' && doubled.find(c0) != std::string_view::npos) ||
                 (c0 == '.' && c1 == '.' && c2 == '.');
    bool two = !three && c1 != '\0' &&
               ((c1 == '=' && std::string_view("<>=!+-*/%&|^@:").find(c0) != std::string_view::npos) ||
                (c0 == c1 && doubled.find(c0) != std::string_view::npos) || (c0 == '-' && c1 == '>'));
    if (three || two) {
      pos_ += three ? 3 : 2;
      Emit(TokenKind::kOp, begin, pos_, line, col);
      return;
    }
    char c = s_[pos_];
    static constexpr std::string_view kOne = "()[]{}:,;.+-*/%&|^~<>=@!";
    if (kOne.find(c) == std::string_view::npos) {
      SetError(TokenizeError::kInvalidCharacter, line, col);
      ++pos_;
      return;
    }
    ++pos_;
    bool in_field = !fstrings_.empty() && fstrings_.back().state == FState::kExpr && !brackets_.empty() &&
                    brackets_.back().fstring_field;
    if (c == '(' || c == '[' || c == '{') {
      if (!Emit(TokenKind::kOp, begin, pos_, line, col)) return;
      PushBracket(Bracket{c, false, false});
      return;
    }
    if (c == ')' || c == ']' || c == '}') {
      if (!Emit(TokenKind::kOp, begin, pos_, line, col)) return;
      if (brackets_.empty()) {
        SetError(TokenizeError::kUnmatchedBracket, line, col);
        return;
      }
      Bracket top = brackets_.back();
      char want = top.ch == '(' ? ')' : top.ch == '[' ? ']' : '}';
      if (want != c) SetError(TokenizeError::kUnmatchedBracket, line, col);
      if (top.fstring_field && c != '}') return;  // keep the field open; the error is recorded
      brackets_.pop_back();
      if (top.fstring_field && !fstrings_.empty()) {
        fstrings_.back().state = top.return_to_spec ? FState::kSpec : FState::kLiteral;
      }
      return;
    }
    Emit(TokenKind::kOp, begin, pos_, line, col);
    if (c == ':' && in_field) fstrings_.back().state = FState::kSpec;
  }

  void ScanString(std::size_t begin, Prefix p, std::uint32_t line, std::uint32_t col) {
    char q = s_[pos_];
    bool triple = s_.substr(pos_, 3) == std::string(3, q);
    std::size_t open = triple ? 3 : 1;
    if (p.format) {
      pos_ += open;
      if (!Emit(TokenKind::kFStringStart, begin, pos_, line, col)) return;
      if (brackets_.size() + fstrings_.size() >= limits_.max_python_nesting) {
        Stop(TokenizeError::kTooDeep);
        return;
      }
      fstrings_.push_back(FString{q, triple, p.raw, FState::kLiteral, line, col});
      return;
    }
    std::size_t body = pos_ + open;
    std::size_t i = body;
    bool closed = false;
    while (i < s_.size()) {
      char c = s_[i];
      if (c == '\\') {
        if (i + 1 < s_.size() && (s_[i + 1] == '\n' || s_[i + 1] == '\r')) {
          i += (s_[i + 1] == '\r' && i + 2 < s_.size() && s_[i + 2] == '\n') ? 3 : 2;
          NewPhysicalLine(i);
        } else {
          i += 2;
        }
        continue;
      }
      if (c == '\n' || c == '\r') {
        if (!triple) break;
        std::size_t n = (c == '\r' && i + 1 < s_.size() && s_[i + 1] == '\n') ? 2 : 1;
        i += n;
        NewPhysicalLine(i);
        continue;
      }
      if (c == q && (!triple || s_.substr(i, 3) == std::string(3, q))) {
        closed = true;
        break;
      }
      ++i;
    }
    i = std::min(i, s_.size());
    std::string_view content = s_.substr(body, i - body);
    pos_ = closed ? i + open : i;
    if (!closed) {
      SetError(triple ? TokenizeError::kUnterminatedTripleString : TokenizeError::kUnterminatedString, line, col);
    }
    Token* t = Emit(TokenKind::kString, begin, pos_, line, col);
    if (t == nullptr) return;
    t->bytes = p.bytes;
    t->value = DecodeBody(content, p.raw, p.bytes);
  }

  // Literal text (or a format spec) of the innermost f-string.
  void ScanFStringLiteral() {
    FString& f = fstrings_.back();
    std::string lit;
    std::size_t begin = pos_;
    std::uint32_t line = line_, col = Col();
    auto flush = [&] {
      if (lit.empty()) return true;
      Token* t = Emit(TokenKind::kFStringMiddle, begin, pos_, line, col);
      if (t) t->value = std::move(lit);
      lit.clear();
      return t != nullptr;
    };
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      bool closes = c == f.quote && (!f.triple || s_.substr(pos_, 3) == std::string(3, f.quote));
      if (closes) {
        if (!flush()) return;
        if (f.state == FState::kSpec) {
          SetError(TokenizeError::kUnterminatedString, line_, Col());
          if (!brackets_.empty() && brackets_.back().fstring_field) brackets_.pop_back();
        }
        std::size_t n = f.triple ? 3 : 1;
        Emit(TokenKind::kFStringEnd, pos_, pos_ + n, line_, Col());
        pos_ += n;
        fstrings_.pop_back();
        return;
      }
      if (c == '\n' || c == '\r') {
        if (!f.triple) {
          if (!flush()) return;
          SetError(TokenizeError::kUnterminatedString, f.line, f.col);
          if (f.state == FState::kSpec && !brackets_.empty() && brackets_.back().fstring_field) brackets_.pop_back();
          Emit(TokenKind::kFStringEnd, pos_, pos_, line_, Col());
          fstrings_.pop_back();
          return;
        }
        std::size_t n = (c == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') ? 2 : 1;
        lit.append(s_.substr(pos_, n));
        pos_ += n;
        NewPhysicalLine(pos_);
        continue;
      }
      if (c == '\\' && !f.raw) {
        std::size_t n = DecodeOneEscape(s_, pos_, false, &lit);
        for (std::size_t k = pos_; k < pos_ + n && k < s_.size(); ++k) {
          if (s_[k] == '\n') NewPhysicalLine(k + 1);
        }
        pos_ += n;
        continue;
      }
      if (c == '{') {
        if (f.state == FState::kLiteral && pos_ + 1 < s_.size() && s_[pos_ + 1] == '{') {
          lit.push_back('{');
          pos_ += 2;
          continue;
        }
        if (!flush()) return;
        std::uint32_t l = line_, cc = Col();
        ++pos_;
        if (!Emit(TokenKind::kOp, pos_ - 1, pos_, l, cc)) return;
        if (!PushBracket(Bracket{'{', true, f.state == FState::kSpec})) return;
        f.state = FState::kExpr;
        return;
      }
      if (c == '}') {
        if (f.state == FState::kLiteral) {
          if (!(pos_ + 1 < s_.size() && s_[pos_ + 1] == '}')) SetError(TokenizeError::kUnmatchedBracket, line_, Col());
          lit.push_back('}');
          pos_ += (pos_ + 1 < s_.size() && s_[pos_ + 1] == '}') ? 2 : 1;
          continue;
        }
        if (!flush()) return;
        std::uint32_t l = line_, cc = Col();
        ++pos_;
        if (!Emit(TokenKind::kOp, pos_ - 1, pos_, l, cc)) return;
        bool back_to_spec = false;
        if (!brackets_.empty() && brackets_.back().fstring_field) {
          back_to_spec = brackets_.back().return_to_spec;
          brackets_.pop_back();
        }
        f.state = back_to_spec ? FState::kSpec : FState::kLiteral;
        return;
      }
      if (c == 0) SetError(TokenizeError::kNullByte, line_, Col());
      lit.push_back(c);
      ++pos_;
    }
    flush();  // end of input: Run() records the unterminated string
  }

  std::string_view s_;
  const Limits& limits_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::size_t line_begin_ = 0;
  bool logical_has_tokens_ = false;
  std::uint32_t logical_indent_ = 0;
  bool stop_ = false;
  std::vector<Bracket> brackets_;
  std::vector<FString> fstrings_;
  TokenStream out_;
};

}  // namespace

TokenStream Tokenize(std::string_view source, const Limits& limits) { return Tokenizer(source, limits).Run(); }

std::string SourceEncodingDeclaration(std::string_view source) {
  if (source.substr(0, 3) == "\xEF\xBB\xBF") source.remove_prefix(3);
  for (int line = 0; line < 2 && !source.empty(); ++line) {
    std::size_t eol = source.find('\n');
    std::string_view l = source.substr(0, eol);
    std::size_t k = 0;
    while (k < l.size() && (l[k] == ' ' || l[k] == '\t' || l[k] == '\f')) ++k;
    if (k < l.size() && l[k] == '#') {
      // PEP 263: ^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)
      std::size_t at = l.find("coding", k);
      if (at != std::string_view::npos && at + 6 < l.size() && (l[at + 6] == ':' || l[at + 6] == '=')) {
        std::size_t v = at + 7;
        while (v < l.size() && (l[v] == ' ' || l[v] == '\t')) ++v;
        std::string name;
        while (v < l.size() && (std::isalnum(static_cast<unsigned char>(l[v])) || l[v] == '-' || l[v] == '_' ||
                                l[v] == '.')) {
          name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(l[v++]))));
        }
        if (!name.empty()) return name;
      }
    } else if (k < l.size()) {
      return "";  // a code line ends the search (PEP 263: only comment or blank lines count)
    }
    if (eol == std::string_view::npos) break;
    source.remove_prefix(eol + 1);
  }
  return "";
}

}  // namespace modelgate::python
