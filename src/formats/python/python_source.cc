// ReadPythonSource: see python_source.h. Three passes over the tokens:
// bracket matching, scopes (import time or deferred), then bindings and calls.
#include "formats/python/python_source.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

namespace modelgate::python {
namespace {

constexpr std::size_t kMaxRecords = 200000;  // calls / references / imports kept per file
constexpr std::size_t kMaxPayload = 400;     // decoded bytes kept as evidence

const std::set<std::string_view>& Keywords() {
  static const std::set<std::string_view> k = {
      "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
      "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
      "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"};
  return k;
}

const std::set<std::string_view>& Builtins() {
  static const std::set<std::string_view> k = {
      "__import__", "abs", "breakpoint", "bytearray", "bytes", "callable", "chr", "compile", "delattr", "dir",
      "eval", "exec", "getattr", "globals", "hasattr", "input", "iter", "locals", "map", "memoryview", "next",
      "open", "ord", "print", "setattr", "str", "type", "vars", "__builtins__", "__loader__", "__spec__"};
  return k;
}

const std::set<std::string_view>& Decoders() {
  static const std::set<std::string_view> k = {
      "base64.b64decode", "base64.b32decode", "base64.b16decode", "base64.b85decode", "base64.a85decode",
      "base64.urlsafe_b64decode", "base64.standard_b64decode", "base64.decodebytes", "base64.decodestring",
      "base64.b32hexdecode", "codecs.decode", "zlib.decompress", "gzip.decompress", "bz2.decompress",
      "lzma.decompress", "binascii.unhexlify", "binascii.a2b_hex", "binascii.a2b_base64", "binascii.a2b_uu",
      "bytes.fromhex", "bytearray.fromhex", "builtins.bytes.fromhex", "builtins.bytearray.fromhex", "marshal.loads", "pickle.loads", "zlib.decompressobj"};
  return k;
}


std::string DecodeBase64(std::string_view s) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
            : (c == '+' || c == '-') ? 62 : (c == '/' || c == '_') ? 63 : -1;
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
      if (out.size() >= kMaxPayload) break;
    }
  }
  return out;
}

std::string DecodeHex(std::string_view s) {
  std::string out;
  int hi = -1;
  for (char c : s) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
      if (out.size() >= kMaxPayload) break;
    }
  }
  return out;
}

// Python NFKC-normalises identifiers; the common look-alike trick uses the
// fullwidth forms U+FF01..U+FF5E (UTF-8 EF BC 81 .. EF BD 9E), folded here
// to ASCII so `ｅｘｅｃ` resolves to exec.
std::string FoldIdentifier(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char a = static_cast<unsigned char>(s[i]);
    if (a == 0xEF && i + 2 < s.size()) {
      unsigned char b = static_cast<unsigned char>(s[i + 1]), c = static_cast<unsigned char>(s[i + 2]);
      std::uint32_t cp = ((a & 0x0Fu) << 12) | ((b & 0x3Fu) << 6) | (c & 0x3Fu);
      if (cp >= 0xFF01 && cp <= 0xFF5E) {
        out.push_back(static_cast<char>(cp - 0xFF01 + 0x21));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Canonical spelling of a dotted name: aliases of the same module collapse.
std::string Normalize(std::string n) {
  auto replace_prefix = [&](std::string_view from, std::string_view to) {
    if (n.compare(0, from.size(), from) == 0 && (n.size() == from.size() || n[from.size()] == '.')) {
      n = std::string(to) + n.substr(from.size());
    }
  };
  replace_prefix("__builtins__", "builtins");
  replace_prefix("__builtin__", "builtins");
  replace_prefix("posix", "os");
  replace_prefix("nt", "os");
  replace_prefix("importlib.__import__", "builtins.__import__");
  for (std::size_t at; (at = n.find(".__dict__")) != std::string::npos;) n.erase(at, 9);
  if (n.compare(0, 12, "sys.modules.") == 0) n = n.substr(12);
  // Every module has __builtins__ (the builtins dict): os.__builtins__['exec'] is exec.
  std::size_t b = n.find("__builtins__");
  if (b != std::string::npos && (b == 0 || n[b - 1] == '.')) n = "builtins" + n.substr(b + 12);
  if (n.compare(0, 17, "builtins.builtins") == 0) n = n.substr(9);
  return n;
}

class Reader {
 public:
  Reader(std::string_view src, const Limits& limits) : src_(src), limits_(limits) {}

  SourceFacts Run() {
    TokenStream ts = Tokenize(src_, limits_);
    facts_.error = ts.error;
    facts_.error_line = ts.error_line;
    facts_.error_col = ts.error_col;
    facts_.truncated = ts.truncated;
    facts_.encoding = SourceEncodingDeclaration(src_);
    t_ = std::move(ts.tokens);
    facts_.token_count = t_.size();
    budget_ = 64 * t_.size() + 100000;
    packed_.assign(t_.size(), 0);
    keyword_.assign(t_.size(), false);
    for (std::size_t i = 0; i < t_.size(); ++i) {
      if (t_[i].kind == TokenKind::kOp) packed_[i] = Pack(Text(i));
      if (t_[i].kind == TokenKind::kName) keyword_[i] = Keywords().count(Text(i)) > 0;
    }
    MatchBrackets();
    ComputeScopes();
    Bindings();
    CallsAndReferences();
    return std::move(facts_);
  }

 private:
  // Operators are compared as their (at most three) bytes packed in an integer.
  static constexpr std::uint32_t Pack(std::string_view op) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < op.size() && k < 3; ++k) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(op[k])) << (8 * k);
    return v;
  }
  bool Op(std::size_t i, std::string_view op) const { return i < t_.size() && packed_[i] == Pack(op); }
  bool NameIs(std::size_t i, std::string_view n) const {
    return i < t_.size() && t_[i].kind == TokenKind::kName && TokenText(src_, t_[i]) == n;
  }
  std::string_view Text(std::size_t i) const { return TokenText(src_, t_[i]); }
  bool IsKeyword(std::size_t i) const { return keyword_[i]; }

  void MatchBrackets() {
    match_.assign(t_.size(), -1);
    std::vector<std::size_t> stack;
    for (std::size_t i = 0; i < t_.size(); ++i) {
      if (t_[i].kind != TokenKind::kOp) continue;
      std::string_view s = Text(i);
      if (s == "(" || s == "[" || s == "{") {
        stack.push_back(i);
      } else if ((s == ")" || s == "]" || s == "}") && !stack.empty()) {
        match_[stack.back()] = static_cast<long>(i);
        match_[i] = static_cast<long>(stack.back());
        stack.pop_back();
      }
    }
  }

  // Marks each token as running at import time or not, with its function.
  void ComputeScopes() {
    struct Block {
      std::uint32_t indent;
      enum Kind { kDef, kClass, kMain } kind;
      std::string name;
    };
    std::vector<Block> blocks;
    std::optional<Block> pending;   // a header seen, waiting for its ':'
    std::vector<int> lambdas;       // bracket depth of each open lambda body
    std::vector<int> lambda_pending;  // depth of lambdas whose ':' is not yet seen
    int depth = 0;
    deferred_.assign(t_.size(), false);
    function_.assign(t_.size(), 0);
    functions_.push_back("");
    for (std::size_t i = 0; i < t_.size(); ++i) {
      const Token& tok = t_[i];
      if (tok.line_start) {
        while (!blocks.empty() && blocks.back().indent >= tok.indent) blocks.pop_back();
        pending.reset();
        lambdas.clear();
        lambda_pending.clear();
        depth = 0;
        std::size_t k = NameIs(i, "async") ? i + 1 : i;
        if ((NameIs(k, "def") || NameIs(k, "class")) && k + 1 < t_.size()) {
          pending = Block{tok.indent, NameIs(k, "def") ? Block::kDef : Block::kClass, std::string(Text(k + 1))};
        } else if (NameIs(i, "if") && IsMainGuard(i + 1)) {
          pending = Block{tok.indent, Block::kMain, ""};
        }
      }
      // Lambda bodies end at a ',' or closing bracket at their own depth, or at the end of the line.
      if (tok.kind == TokenKind::kOp) {
        std::string_view s = Text(i);
        if (s == ")" || s == "]" || s == "}") {
          --depth;
          while (!lambdas.empty() && lambdas.back() > depth) lambdas.pop_back();
          while (!lambda_pending.empty() && lambda_pending.back() > depth) lambda_pending.pop_back();
        } else if ((s == "," || s == ";") && !lambdas.empty() && lambdas.back() == depth) {
          lambdas.pop_back();
        }
      } else if (tok.kind == TokenKind::kNewline) {
        lambdas.clear();
        lambda_pending.clear();
      }
      bool in_def = false, in_main = false;
      for (const Block& b : blocks) {
        in_def |= b.kind == Block::kDef;
        in_main |= b.kind == Block::kMain;
      }
      deferred_[i] = in_def || in_main || !lambdas.empty();
      for (std::size_t b = blocks.size(); b-- > 0;) {
        if (blocks[b].kind == Block::kDef) {
          function_[i] = FunctionIndex(blocks[b].name);
          break;
        }
      }
      if (tok.kind == TokenKind::kOp) {
        std::string_view s = Text(i);
        if (s == "(" || s == "[" || s == "{") ++depth;
        if (s == ":") {
          if (!lambda_pending.empty() && lambda_pending.back() == depth) {
            lambda_pending.pop_back();
            lambdas.push_back(depth);
          } else if (pending && depth == 0) {
            blocks.push_back(*pending);
            pending.reset();
          }
        }
      } else if (NameIs(i, "lambda")) {
        lambda_pending.push_back(depth);
      }
    }
  }

  bool IsMainGuard(std::size_t i) const {
    auto is_main = [&](std::size_t k) { return k < t_.size() && t_[k].kind == TokenKind::kString && t_[k].value == "__main__"; };
    return (NameIs(i, "__name__") && Op(i + 1, "==") && is_main(i + 2)) ||
           (is_main(i) && Op(i + 1, "==") && NameIs(i + 2, "__name__"));
  }

  std::uint32_t FunctionIndex(const std::string& name) {
    auto it = function_ids_.find(name);
    if (it != function_ids_.end()) return it->second;
    functions_.push_back(name);
    return function_ids_[name] = static_cast<std::uint32_t>(functions_.size() - 1);
  }

  Site SiteOf(std::size_t i) const {
    Site s;
    s.line = t_[i].line;
    s.col = t_[i].col + 1;
    s.at_import = !deferred_[i];
    s.function = functions_[function_[i]];
    return s;
  }

  bool StatementStart(std::size_t i) const {
    if (t_[i].line_start) return true;
    return i > 0 && (Op(i - 1, ";") || Op(i - 1, ":"));
  }

  // End of the statement starting at i (index of NEWLINE or ';' at depth 0).
  std::size_t StatementEnd(std::size_t i) const {
    while (i < t_.size()) {
      if (t_[i].kind == TokenKind::kNewline || Op(i, ";")) return i;
      if (match_[i] > static_cast<long>(i)) i = static_cast<std::size_t>(match_[i]);
      ++i;
    }
    return t_.size();
  }

  // Reads a dotted name (a.b.c) at i; returns the index after it.
  std::size_t DottedName(std::size_t i, std::string* out) const {
    out->clear();
    while (i < t_.size() && Op(i, ".")) {  // relative import dots
      out->push_back('.');
      ++i;
    }
    while (i < t_.size() && Op(i, "...")) {
      out->append("...");
      ++i;
    }
    while (i < t_.size() && t_[i].kind == TokenKind::kName && !IsKeyword(i)) {
      if (!out->empty() && out->back() != '.') out->push_back('.');
      out->append(Text(i));
      ++i;
      if (!Op(i, ".")) break;
      ++i;
    }
    return i;
  }

  void Bind(const std::string& name, Value v) { table_[name] = std::move(v); }

  void ImportStatement(std::size_t i, std::size_t end) {
    if (NameIs(i, "import")) {
      std::size_t k = i + 1;
      while (k < end) {
        std::string mod;
        std::size_t start = k;
        k = DottedName(k, &mod);
        if (mod.empty()) break;
        std::string bound = mod.substr(0, mod.find('.'));
        Value v{ValueKind::kName, Normalize(bound), true, false, "", ""};
        if (NameIs(k, "as") && k + 1 < end) {
          bound = std::string(Text(k + 1));
          v.text = Normalize(mod);
          k += 2;
        }
        AddImport(start, mod, "", bound);
        Bind(bound, v);
        if (!Op(k, ",")) break;
        ++k;
      }
      return;
    }
    // from M import a as b, c   /   from M import (a, b)   /   from M import *
    std::string mod;
    std::size_t k = DottedName(i + 1, &mod);
    if (!NameIs(k, "import")) return;
    ++k;
    if (Op(k, "(")) ++k;
    while (k < end && t_[k].kind == TokenKind::kName) {
      std::string name(Text(k));
      std::string bound = name;
      std::size_t at = k;
      ++k;
      if (NameIs(k, "as") && k + 1 < end) {
        bound = std::string(Text(k + 1));
        k += 2;
      }
      AddImport(at, mod, name, bound);
      std::string full = mod.empty() || mod.back() == '.' ? mod + name : mod + "." + name;
      Bind(bound, Value{ValueKind::kName, Normalize(full), true, false, "", ""});
      if (!Op(k, ",")) break;
      ++k;
    }
    if (Op(k, "*")) {
      AddImport(k, mod, "*", "");
      star_modules_.push_back(Normalize(mod));
    }
  }

  void AddImport(std::size_t at, const std::string& mod, const std::string& name, const std::string& bound) {
    if (facts_.imports.size() >= kMaxRecords) return;
    facts_.imports.push_back(Import{SiteOf(at), mod, name, bound});
  }

  void Bindings() {
    for (std::size_t i = 0; i < t_.size(); ++i) {
      if (!StatementStart(i) || t_[i].kind != TokenKind::kName) continue;
      if (NameIs(i, "import") || NameIs(i, "from")) {
        ImportStatement(i, StatementEnd(i));
      } else if ((NameIs(i, "def") || NameIs(i, "class")) && t_[i].indent == 0 && t_[i].line_start &&
                 i + 1 < t_.size()) {
        Bind(std::string(Text(i + 1)), Value{ValueKind::kName, std::string(Text(i + 1)), false, false, "", ""});
      } else if (!IsKeyword(i) && Op(i + 1, "=")) {
        std::size_t end = StatementEnd(i);
        Value v = ValueOf(i + 2, end, 0);
        // `f = os.system` is a use of os.system even before (or without) a call through f.
        if (v.kind == ValueKind::kName && v.resolved && facts_.references.size() < kMaxRecords && i + 2 < end) {
          facts_.references.push_back(Reference{SiteOf(i + 2), v.text, v.built});
        }
        if (v.kind != ValueKind::kUnknown || !v.computed.empty()) Bind(std::string(Text(i)), std::move(v));
      }
    }
  }

  Value ResolveName(std::string_view written) const {
    std::string folded = FoldIdentifier(written);
    std::string_view n = folded;
    auto it = table_.find(std::string(n));
    if (it != table_.end()) return it->second;
    if (n == "__builtins__") return Value{ValueKind::kName, "builtins", true, false, "", ""};
    if (Builtins().count(n)) return Value{ValueKind::kName, Normalize("builtins." + std::string(n)), true, false, "", ""};
    // `from subprocess import *` then Popen(...): an unknown bare name is taken to come from the
    // star import (the last one naming a module that runs processes or code, else the last one).
    if (!star_modules_.empty()) {
      static const std::set<std::string_view> kRisky = {"os", "subprocess", "pty", "socket", "ctypes", "shutil",
                                                        "pickle", "marshal", "builtins", "requests", "runpy"};
      std::string mod = star_modules_.back();
      for (const std::string& m : star_modules_) {
        if (kRisky.count(std::string_view(m).substr(0, m.find('.')))) mod = m;
      }
      return Value{ValueKind::kName, Normalize(mod + "." + std::string(n)), true, false, "", ""};
    }
    return Value{ValueKind::kName, std::string(n), false, false, "", ""};
  }

  static Value Attr(Value v, std::string_view attr, bool built) {
    if (v.kind == ValueKind::kName) {
      if (v.text == "<globals>") {
        v.text = Normalize("builtins." + std::string(attr));
        v.resolved = true;
      } else {
        v.text = Normalize(v.text + "." + std::string(attr));
      }
      v.built |= built;
      return v;
    }
    if (v.kind == ValueKind::kDecoded || v.kind == ValueKind::kString) {
      // Methods of decoded bytes / constants (.decode(), .encode(), .strip() ...) keep the kind.
      v.computed = std::string(attr);
      return v;
    }
    return Value{};
  }

  // Splits [b, e) at top-level commas into positional argument ranges and
  // the `mode=` keyword.
  void Arguments(std::size_t b, std::size_t e, std::vector<std::pair<std::size_t, std::size_t>>* positional,
                 std::optional<std::pair<std::size_t, std::size_t>>* mode, std::uint32_t* count) const {
    std::size_t start = b;
    for (std::size_t i = b; i <= e; ++i) {
      if (i == e || Op(i, ",")) {
        if (i > start) {
          ++*count;
          if (t_[start].kind == TokenKind::kName && Op(start + 1, "=")) {
            if (Text(start) == "mode") *mode = std::make_pair(start + 2, i);
          } else if (!Op(start, "*") && !Op(start, "**") && positional->size() < 3) {
            positional->push_back({start, i});
          }
        }
        start = i + 1;
        continue;
      }
      if (match_[i] > static_cast<long>(i) && static_cast<std::size_t>(match_[i]) < e) i = static_cast<std::size_t>(match_[i]);
    }
  }

  Value Apply(const Value& f, std::size_t b, std::size_t e, int depth) {
    std::vector<std::pair<std::size_t, std::size_t>> pos;
    std::optional<std::pair<std::size_t, std::size_t>> mode;
    std::uint32_t count = 0;
    Arguments(b, e, &pos, &mode, &count);
    auto arg = [&](std::size_t k) { return k < pos.size() ? ValueOf(pos[k].first, pos[k].second, depth + 1) : Value{}; };
    if (f.kind == ValueKind::kDecoded) return f;  // bytes.decode() and the like
    if (f.kind == ValueKind::kString) return f.computed.empty() ? Value{} : f;  // 'x'.encode()
    if (f.kind != ValueKind::kName) return Value{};
    const std::string& n = f.text;
    if (n == "builtins.__import__" || n == "importlib.import_module") {
      Value a = arg(0);
      if (a.kind == ValueKind::kString) {
        std::string mod = n == "builtins.__import__" ? a.text.substr(0, a.text.find('.')) : a.text;
        return Value{ValueKind::kName, Normalize(mod), true, a.built, "", ""};
      }
      Value v;
      v.computed = n.substr(n.find('.') + 1) + "(<computed>)";
      return v;
    }
    if (n == "builtins.getattr") {
      Value base = arg(0), attr = arg(1);
      if (base.kind == ValueKind::kName && attr.kind == ValueKind::kString) return Attr(base, attr.text, attr.built);
      // getattr(self.config, key) is everyday code; a computed attribute of a module or of builtins is not.
      // Nor is getattr(torch, dtype_name) or getattr(nn, activation): only modules that can run
      // processes or code (and modules imported by computed names) make a computed lookup suspicious.
      static const std::set<std::string> kRisky = {"os", "subprocess", "builtins", "sys", "importlib", "socket",
                                                   "ctypes", "_ctypes", "shutil", "pty", "runpy", "pickle",
                                                   "marshal", "code", "io", "codecs", "operator", "functools",
                                                   "types", "posix", "nt", "requests", "urllib", "http", "<globals>"};
      bool risky = base.kind == ValueKind::kName && base.resolved && kRisky.count(base.text.substr(0, base.text.find('.')));
      if (!risky && base.computed.empty()) return Value{};
      Value v;
      std::string what = base.kind == ValueKind::kName ? base.text : !base.computed.empty() ? base.computed : "<expr>";
      v.computed = "getattr(" + what + ", " + (attr.kind == ValueKind::kString ? "'" + attr.text + "'" : "<computed>") + ")";
      return v;
    }
    if (n == "builtins.chr") {
      Value a = arg(0);
      if (a.kind == ValueKind::kString) {
        char* endp = nullptr;
        long code = std::strtol(a.text.c_str(), &endp, 0);
        if (endp && *endp == 0 && code >= 0 && code < 128) {
          Value v{ValueKind::kString, std::string(1, static_cast<char>(code)), false, true, "", ""};
          v.obscured = true;
          return v;
        }
      }
      Value v{ValueKind::kString, "?", false, true, "", ""};
      v.obscured = true;
      return v;
    }
    if (Decoders().count(n)) {
      Value a = arg(0);
      Value v{ValueKind::kDecoded, n, true, false, "", ""};
      if (a.kind == ValueKind::kString) {
        if (n.find("b64") != std::string::npos || n.find("base64") != std::string::npos || n == "base64.decodebytes") {
          v.payload = DecodeBase64(a.text);
        } else if (n.find("hex") != std::string::npos || n.find("b16") != std::string::npos) {
          v.payload = DecodeHex(a.text);
        }
      } else if (a.kind == ValueKind::kDecoded) {
        v.payload = a.payload;
      }
      return v;
    }
    if (n == "builtins.compile" || n == "builtins.bytes" || n == "builtins.str" || n == "builtins.bytearray") {
      Value a = arg(0);
      if (a.kind == ValueKind::kDecoded) return a;
      if (n != "builtins.compile" && a.kind == ValueKind::kString) return a;
      return Value{};
    }
    if (n == "os.path.expanduser") {
      Value a = arg(0);
      return a.kind == ValueKind::kString ? a : Value{ValueKind::kString, "~", false, false, "", ""};
    }
    if (n == "builtins.globals" || n == "builtins.locals" || (n == "builtins.vars" && pos.empty())) {
      return Value{ValueKind::kName, "<globals>", true, false, "", ""};
    }
    if (n == "builtins.vars") return arg(0);
    return Value{};
  }

  // Evaluates the expression [b, e). Nested at most kMaxEvalDepth deep.
  Value ValueOf(std::size_t b, std::size_t e, int depth) {
    if (depth > kMaxEvalDepth || b >= e || e > t_.size()) return Value{};
    if (budget_ < e - b) {
      facts_.budget_exhausted = true;
      return Value{};
    }
    budget_ -= e - b;
    while (Op(b, "(") && match_[b] == static_cast<long>(e - 1) && e - b > 2) {
      ++b;
      --e;
    }
    // Top-level '+' joins constants; any other top-level operator makes the value unknown.
    std::vector<std::pair<std::size_t, std::size_t>> parts;
    std::size_t start = b;
    for (std::size_t i = b; i < e; ++i) {
      if (match_[i] > static_cast<long>(i)) {
        i = static_cast<std::size_t>(match_[i]);
        continue;
      }
      if (t_[i].kind == TokenKind::kOp) {
        std::string_view s = Text(i);
        if (s == "+") {
          parts.push_back({start, i});
          start = i + 1;
        } else if (s != "." && s != "(" && s != "[" && s != "{") {
          return Value{};
        }
      } else if (IsKeyword(i) && !NameIs(i, "True") && !NameIs(i, "False") && !NameIs(i, "None")) {
        return Value{};
      }
    }
    if (!parts.empty()) {
      parts.push_back({start, e});
      Value joined{ValueKind::kString, "", false, true, "", ""};
      for (auto [pb, pe] : parts) {
        Value v = ValueOf(pb, pe, depth + 1);
        if (v.kind == ValueKind::kDecoded) return v;
        if (v.kind != ValueKind::kString) return Value{};
        joined.text += v.text;
        joined.obscured |= v.obscured;
        if (joined.text.size() > (1u << 16)) return Value{};
      }
      return joined;
    }
    return Primary(b, e, depth);
  }

  Value Primary(std::size_t b, std::size_t e, int depth) {
    std::size_t i = b;
    Value v;
    const Token& t = t_[i];
    if (t.kind == TokenKind::kString) {
      v = Value{ValueKind::kString, "", false, false, "", ""};
      while (i < e && t_[i].kind == TokenKind::kString) v.text += t_[i++].value;
    } else if (t.kind == TokenKind::kNumber) {
      v = Value{ValueKind::kString, std::string(Text(i)), false, false, "", ""};
      ++i;
    } else if (t.kind == TokenKind::kName) {
      if (IsKeyword(i)) return Value{};
      v = ResolveName(Text(i));
      ++i;
    } else if (Op(i, "(") && match_[i] > static_cast<long>(i)) {
      v = ValueOf(i + 1, static_cast<std::size_t>(match_[i]), depth + 1);
      i = static_cast<std::size_t>(match_[i]) + 1;
    } else {
      return Value{};
    }
    while (i < e) {
      if (Op(i, ".") && i + 1 < e && t_[i + 1].kind == TokenKind::kName) {
        v = Attr(std::move(v), FoldIdentifier(Text(i + 1)), false);
        i += 2;
      } else if (Op(i, "(") && match_[i] > static_cast<long>(i)) {
        std::size_t close = static_cast<std::size_t>(match_[i]);
        v = Apply(v, i + 1, close, depth);
        i = close + 1;
      } else if (Op(i, "[") && match_[i] > static_cast<long>(i)) {
        std::size_t close = static_cast<std::size_t>(match_[i]);
        bool reverse = close == i + 5 && Op(i + 1, ":") && Op(i + 2, ":") && Op(i + 3, "-") && t_[i + 4].kind == TokenKind::kNumber;
        if (reverse && v.kind == ValueKind::kString) {
          std::reverse(v.text.begin(), v.text.end());
          v.built = true;
          v.obscured = true;
        } else {
          Value key = ValueOf(i + 1, close, depth + 1);
          v = (key.kind == ValueKind::kString && v.kind == ValueKind::kName) ? Attr(std::move(v), key.text, key.built)
                                                                              : Value{};
        }
        i = close + 1;
      } else {
        return Value{};
      }
    }
    return v;
  }

  // Start of the primary expression that ends at token j (walking back over
  // names, dots, calls and subscripts), or -1.
  long PrimaryStart(std::size_t j) const {
    long start = -1;
    std::size_t k = j;
    for (int steps = 0; steps < 64; ++steps) {
      const Token& t = t_[k];
      if (t.kind == TokenKind::kName) {
        if (IsKeyword(k)) return start;
        start = static_cast<long>(k);
        if (k >= 2 && Op(k - 1, ".")) {
          k -= 2;
          continue;
        }
        return start;
      }
      if (t.kind == TokenKind::kString) return static_cast<long>(k);
      if ((Op(k, ")") || Op(k, "]")) && match_[k] >= 0) {
        std::size_t o = static_cast<std::size_t>(match_[k]);
        start = static_cast<long>(o);
        if (o >= 1 && (t_[o - 1].kind == TokenKind::kName && !IsKeyword(o - 1))) {
          k = o - 1;
          continue;
        }
        if (o >= 1 && (Op(o - 1, ")") || Op(o - 1, "]"))) {
          k = o - 1;
          continue;
        }
        return start;
      }
      return start;
    }
    return start;
  }

  std::string Written(std::size_t b, std::size_t e) const {
    std::string s(src_.substr(t_[b].begin, t_[e - 1].end - t_[b].begin));
    if (s.size() > 120) s = s.substr(0, 117) + "...";
    for (char& c : s) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    return s;
  }

  void CallsAndReferences() {
    std::uint32_t chr_in_statement = 0;
    for (std::size_t i = 0; i < t_.size(); ++i) {
      const Token& t = t_[i];
      if (t.kind == TokenKind::kNewline || Op(i, ";")) {
        chr_in_statement = 0;
        continue;
      }
      if (t.kind == TokenKind::kString && t.value.size() >= 256) CheckEncoded(i);
      if (t.kind == TokenKind::kName && !IsKeyword(i)) {
        std::string_view n = Text(i);
        for (unsigned char c : n) {
          if (c >= 0x80) {
            if (facts_.non_ascii_names.size() < 1000) facts_.non_ascii_names.push_back({SiteOf(i), std::string(n)});
            break;
          }
        }
        MaybeReference(i);
      }
      if (!Op(i, "(") || i == 0) continue;
      std::size_t j = i - 1;
      bool callable_before = (t_[j].kind == TokenKind::kName && !IsKeyword(j)) || Op(j, ")") || Op(j, "]");
      if (!callable_before) continue;
      if (t_[j].kind == TokenKind::kName && j >= 1 && (NameIs(j - 1, "def") || NameIs(j - 1, "class"))) continue;
      long start = PrimaryStart(j);
      if (start < 0 || match_[i] < 0) continue;
      std::size_t s = static_cast<std::size_t>(start);
      Value callee = ValueOf(s, i, 0);
      if (callee.kind == ValueKind::kName && callee.text == "builtins.chr") {
        if (++chr_in_statement > facts_.max_chr_calls_in_statement) {
          facts_.max_chr_calls_in_statement = chr_in_statement;
          facts_.chr_site = SiteOf(s);
        }
      }
      Call c;
      c.site = SiteOf(s);
      c.written = Written(s, i);
      c.callee = std::move(callee);
      std::vector<std::pair<std::size_t, std::size_t>> pos;
      std::optional<std::pair<std::size_t, std::size_t>> mode;
      std::size_t close = static_cast<std::size_t>(match_[i]);
      Arguments(i + 1, close, &pos, &mode, &c.arg_count);
      bool interesting = (c.callee.kind == ValueKind::kName && c.callee.resolved) || !c.callee.computed.empty() ||
                         c.callee.kind == ValueKind::kDecoded;
      if (!interesting) continue;
      for (auto [ab, ae] : pos) c.args.push_back(ValueOf(ab, ae, 1));
      if (mode) c.mode = ValueOf(mode->first, mode->second, 1);
      if (facts_.calls.size() < kMaxRecords) facts_.calls.push_back(std::move(c));
    }
  }

  // A dotted name whose root is bound by an import, used without a call.
  void MaybeReference(std::size_t i) {
    if (i > 0 && Op(i - 1, ".")) return;
    if (StatementStart(i) && (NameIs(i, "import") || NameIs(i, "from"))) return;
    if (i > 0 && (NameIs(i - 1, "import") || NameIs(i - 1, "as") || NameIs(i - 1, "def") || NameIs(i - 1, "class"))) return;
    std::size_t k = i + 1;
    while (k + 1 < t_.size() && Op(k, ".") && t_[k + 1].kind == TokenKind::kName) k += 2;
    if (Op(k, "(") || Op(k, "=")) return;  // calls are recorded as calls; assignment targets are not uses
    auto it = table_.find(std::string(Text(i)));
    if (it == table_.end() || it->second.kind != ValueKind::kName || !it->second.resolved) return;
    if (k == i + 1 && StatementStart(i) && Op(k, "=")) return;
    Value v = it->second;
    for (std::size_t m = i + 1; m < k; m += 2) v = Attr(std::move(v), Text(m + 1), false);
    if (facts_.references.size() < kMaxRecords) facts_.references.push_back(Reference{SiteOf(i), v.text, false});
  }

  void CheckEncoded(std::size_t i) {
    const std::string& s = t_[i].value;
    bool hex = true, b64 = true;
    int letters = 0, digits = 0;
    for (char c : s) {
      bool is_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      bool is_b64 = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' || c == '-' ||
                    c == '_' || c == '\n';
      hex &= is_hex;
      b64 &= is_b64;
      letters += std::isalpha(static_cast<unsigned char>(c)) ? 1 : 0;
      digits += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
    }
    if (!(hex || b64) || letters == 0 || digits == 0) return;
    if (facts_.encoded_literals.size() < 1000) {
      facts_.encoded_literals.push_back(EncodedLiteral{SiteOf(i), s.size(), hex ? "hex" : "base64"});
    }
  }

  std::string_view src_;
  const Limits& limits_;
  std::vector<Token> t_;
  std::vector<long> match_;
  std::vector<std::uint32_t> packed_;  // kOp tokens: Pack(text); others 0
  std::vector<bool> keyword_;
  std::vector<bool> deferred_;
  std::vector<std::uint32_t> function_;
  std::vector<std::string> functions_;
  std::map<std::string, std::uint32_t> function_ids_;
  std::map<std::string, Value> table_;
  std::vector<std::string> star_modules_;  // modules of `from m import *`, in order
  std::size_t budget_ = 0;
  SourceFacts facts_;
};

}  // namespace

SourceFacts ReadPythonSource(std::string_view source, const Limits& limits) {
  if (source.size() > limits.max_python_source_bytes) source = source.substr(0, limits.max_python_source_bytes);
  return Reader(source, limits).Run();
}

}  // namespace modelgate::python
