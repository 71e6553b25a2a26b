// Constant folding of Jinja string constructions. See chat_template_fold.h.
#include "scan/chat_template_fold.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "base/utf8.h"

namespace modelgate {
namespace {

constexpr int kMaxFoldDepth = 4;

class Folder {
 public:
  Folder(const std::vector<JinjaToken>& t, std::size_t limit) : t_(t), limit_(std::min(limit, t.size())) {}

  FoldedString Expr(std::size_t i, int depth) {
    FoldedString left = Term(i, depth);
    while (left.ok && !left.is_list && (Op(left.end, "~") || Op(left.end, "+"))) {
      FoldedString right = Term(left.end + 1, depth);
      if (!right.ok || right.is_list) break;
      if (left.value.size() < kMaxFoldedChars) left.value = Cap(std::move(left.value) + right.value);
      left.operations += right.operations + 1;
      left.how += " " + t_[left.end].value + (right.how.empty() ? "" : " " + right.how);
      left.end = right.end;
    }
    return left;
  }

 private:
  bool Op(std::size_t i, const char* op) const {
    return i < limit_ && t_[i].kind == JinjaTokenKind::kOperator && t_[i].value == op;
  }
  bool Name(std::size_t i, const char* name) const {
    return i < limit_ && t_[i].kind == JinjaTokenKind::kName && t_[i].value == name;
  }
  bool Kind(std::size_t i, JinjaTokenKind k) const { return i < limit_ && t_[i].kind == k; }
  static std::string Cap(std::string s) {
    if (s.size() > kMaxFoldedChars) s.resize(kMaxFoldedChars);
    return s;
  }
  static bool SmallInt(const std::string& text, long* out) {
    if (text.empty() || text.size() > 7) return false;
    for (char c : text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    *out = std::stol(text);
    return true;
  }

  // Arguments of a call: string or integer literals only.
  struct Arg {
    bool is_int;
    long n;
    std::string s;
  };
  bool Args(std::size_t open, std::vector<Arg>* args, std::size_t* close) {
    std::size_t i = open + 1;
    while (i < limit_ && !Op(i, ")")) {
      if (Kind(i, JinjaTokenKind::kNumber)) {
        long n;
        if (!SmallInt(t_[i].value, &n)) return false;
        args->push_back({true, n, t_[i].value});
        ++i;
      } else if (Kind(i, JinjaTokenKind::kString)) {
        std::string s;
        while (Kind(i, JinjaTokenKind::kString)) s += t_[i++].value;
        args->push_back({false, 0, s});
      } else {
        return false;
      }
      if (Op(i, ",")) ++i;
    }
    if (!Op(i, ")")) return false;
    *close = i;
    return true;
  }

  static std::string Printf(const std::string& fmt, const std::vector<Arg>& args) {
    std::string out;
    std::size_t a = 0;
    for (std::size_t i = 0; i < fmt.size(); ++i) {
      if (fmt[i] != '%' || i + 1 >= fmt.size()) {
        out.push_back(fmt[i]);
        continue;
      }
      char spec = fmt[++i];
      if (spec == '%') {
        out.push_back('%');
      } else if (a < args.size()) {
        const Arg& arg = args[a++];
        if (spec == 'c' && arg.is_int && arg.n >= 0 && arg.n <= 0x10FFFF) {
          AppendUtf8(static_cast<std::uint32_t>(arg.n), &out);
        } else {
          out += arg.s;
        }
      }
    }
    return Cap(out);
  }
  static std::string BraceFormat(const std::string& fmt, const std::vector<Arg>& args) {
    std::string out;
    std::size_t next = 0;
    for (std::size_t i = 0; i < fmt.size(); ++i) {
      if (fmt[i] != '{') {
        out.push_back(fmt[i]);
        continue;
      }
      std::size_t close = fmt.find('}', i);
      if (close == std::string::npos) break;
      std::string field = fmt.substr(i + 1, close - i - 1);
      long idx = static_cast<long>(next++);
      if (!field.empty()) {
        if (!SmallInt(field, &idx)) idx = -1;
      }
      if (idx >= 0 && static_cast<std::size_t>(idx) < args.size()) out += args[static_cast<std::size_t>(idx)].s;
      i = close;
    }
    return Cap(out);
  }

  FoldedString Primary(std::size_t i, int depth) {
    FoldedString r;
    if (Kind(i, JinjaTokenKind::kString)) {
      std::size_t j = i;
      while (Kind(j, JinjaTokenKind::kString)) r.value += t_[j++].value;
      r.value = Cap(r.value);
      if (j - i > 1) {
        r.operations = 1;
        r.how = "adjacent literals";
      }
      r.ok = true;
      r.end = j;
      return r;
    }
    if (Op(i, "[")) {
      std::size_t j = i + 1;
      r.is_list = true;
      while (j < limit_ && !Op(j, "]")) {
        if (depth >= kMaxFoldDepth) return {};
        FoldedString e = Expr(j, depth + 1);
        if (!e.ok || e.is_list) return {};
        r.list.push_back(e.value);
        r.operations += e.operations;
        j = e.end;
        if (Op(j, ",")) ++j;
      }
      if (!Op(j, "]")) return {};
      r.ok = true;
      r.end = j + 1;
      return r;
    }
    if (Name(i, "dict") && Op(i + 1, "(")) {
      // dict(__cla=1, ss__=1): the keyword names are the strings.
      std::size_t j = i + 2;
      r.is_list = true;
      while (j + 2 < limit_ && Kind(j, JinjaTokenKind::kName) && Op(j + 1, "=")) {
        r.list.push_back(t_[j].value);
        j += 3;  // name = value (one token)
        if (Op(j, ",")) ++j;
      }
      if (!Op(j, ")") || r.list.empty()) return {};
      r.ok = true;
      r.operations = 1;
      r.how = "dict keys";
      r.end = j + 1;
      return r;
    }
    if (Op(i, "(") && depth < kMaxFoldDepth) {
      FoldedString e = Expr(i + 1, depth + 1);
      if (!e.ok || !Op(e.end, ")")) return {};
      e.end += 1;
      return e;
    }
    return r;
  }

  FoldedString Term(std::size_t i, int depth) {
    FoldedString r = Primary(i, depth);
    if (!r.ok) return r;
    while (r.end < limit_) {
      std::size_t p = r.end;
      if (Op(p, "|") && Kind(p + 1, JinjaTokenKind::kName)) {
        const std::string& f = t_[p + 1].value;
        std::size_t after = p + 2;
        std::vector<Arg> args;
        std::size_t close = 0;
        bool has_args = Op(after, "(");
        if (has_args && !Args(after, &args, &close)) break;
        if (has_args) after = close + 1;
        if (f == "reverse") {
          if (r.is_list) std::reverse(r.list.begin(), r.list.end());
          else std::reverse(r.value.begin(), r.value.end());
        } else if (f == "join") {
          if (!r.is_list) break;  // joining a string's characters is a no-op worth nothing
          std::string sep = args.empty() ? "" : args[0].s, out;
          for (std::size_t k = 0; k < r.list.size(); ++k) out += (k ? sep : "") + r.list[k];
          r.is_list = false;
          r.value = Cap(out);
        } else if (f == "format" && !r.is_list) {
          r.value = Printf(r.value, args);
        } else if (f == "replace" && !r.is_list && args.size() >= 2 && !args[0].s.empty()) {
          std::string out, &v = r.value;
          for (std::size_t k = 0; k < v.size();) {
            if (v.compare(k, args[0].s.size(), args[0].s) == 0) {
              out += args[1].s;
              k += args[0].s.size();
            } else {
              out.push_back(v[k++]);
            }
          }
          r.value = Cap(out);
        } else if (f == "lower" || f == "upper" || f == "string" || f == "trim" || f == "list") {
          if (f == "lower" && !r.is_list) for (char& c : r.value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (f == "upper" && !r.is_list) for (char& c : r.value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          if (f == "list" && !r.is_list) {
            r.list.clear();
            for (char c : r.value) r.list.emplace_back(1, c);
            r.is_list = true;
          }
        } else {
          break;
        }
        r.operations += 1;
        r.how += (r.how.empty() ? "|" : " |") + f;
        r.end = after;
        continue;
      }
      // 'abc'[::-1]
      if (Op(p, "[") && Op(p + 1, ":") && Op(p + 2, ":") && Op(p + 3, "-") && Kind(p + 4, JinjaTokenKind::kNumber) &&
          t_[p + 4].value == "1" && Op(p + 5, "]")) {
        if (r.is_list) std::reverse(r.list.begin(), r.list.end());
        else std::reverse(r.value.begin(), r.value.end());
        r.operations += 1;
        r.how += " [::-1]";
        r.end = p + 6;
        continue;
      }
      // Python string methods: .format .join .replace .upper .lower
      if (Op(p, ".") && Kind(p + 1, JinjaTokenKind::kName) && Op(p + 2, "(") && !r.is_list) {
        const std::string& m = t_[p + 1].value;
        if (m == "join" && p + 3 < limit_) {
          if (depth >= kMaxFoldDepth) break;
          FoldedString list = Expr(p + 3, depth + 1);
          if (!list.ok || !list.is_list || !Op(list.end, ")")) break;
          std::string out;
          for (std::size_t k = 0; k < list.list.size(); ++k) out += (k ? r.value : "") + list.list[k];
          r.value = Cap(out);
          r.end = list.end + 1;
        } else {
          std::vector<Arg> args;
          std::size_t close = 0;
          if (!Args(p + 2, &args, &close)) break;
          if (m == "format") {
            r.value = BraceFormat(r.value, args);
          } else if (m == "replace" && args.size() >= 2 && !args[0].s.empty()) {
            std::string out;
            for (std::size_t k = 0; k < r.value.size();) {
              if (r.value.compare(k, args[0].s.size(), args[0].s) == 0) {
                out += args[1].s;
                k += args[0].s.size();
              } else {
                out.push_back(r.value[k++]);
              }
            }
            r.value = Cap(out);
          } else if (m == "upper" || m == "lower") {
            for (char& c : r.value) {
              c = static_cast<char>(m == "upper" ? std::toupper(static_cast<unsigned char>(c))
                                                 : std::tolower(static_cast<unsigned char>(c)));
            }
          } else {
            break;
          }
          r.end = close + 1;
        }
        r.operations += 1;
        r.how += " ." + m;
        continue;
      }
      if (Op(p, "*") && Kind(p + 1, JinjaTokenKind::kNumber) && !r.is_list) {
        long n;
        if (!SmallInt(t_[p + 1].value, &n)) break;
        std::string out;
        for (long k = 0; k < n && out.size() < kMaxFoldedChars; ++k) out += r.value;
        r.value = Cap(out);
        r.operations += 1;
        r.how += " *";
        r.end = p + 2;
        continue;
      }
      if (Op(p, "%") && !r.is_list) {
        std::vector<Arg> args;
        std::size_t end = 0;
        if (Op(p + 1, "(")) {
          std::size_t close = 0;
          if (!Args(p + 1, &args, &close)) break;
          end = close + 1;
        } else if (Kind(p + 1, JinjaTokenKind::kNumber) || Kind(p + 1, JinjaTokenKind::kString)) {
          long n = 0;
          bool is_int = t_[p + 1].kind == JinjaTokenKind::kNumber && SmallInt(t_[p + 1].value, &n);
          args.push_back({is_int, n, t_[p + 1].value});
          end = p + 2;
        } else {
          break;
        }
        r.value = Printf(r.value, args);
        r.operations += 1;
        r.how += " %";
        r.end = end;
        continue;
      }
      break;
    }
    return r;
  }

  const std::vector<JinjaToken>& t_;
  std::size_t limit_;
};

}  // namespace

FoldedString FoldConstantString(const std::vector<JinjaToken>& tokens, std::size_t begin, std::size_t limit) {
  return Folder(tokens, limit).Expr(begin, 0);
}

}  // namespace modelgate
