// Bounded YAML loading: see bounded_yaml.h.
//
// The pre-scan is a line-oriented approximation of YAML's structure that
// errs towards counting more nesting, never less:
//   - block context: a stack of indentation columns (a deeper line pushes,
//     a shallower one pops), plus one level per `- ` / `? ` entry marker;
//   - flow context: one level per `[` / `{` (across lines);
//   - skipped: quoted scalars (also multi-line), comments, and the body of
//     block scalars (`|`, `>`), whose lines are text, not structure.
#include "eval/suite/bounded_yaml.h"

#include <exception>
#include <vector>

#include <fmt/format.h>

namespace modelgate::eval {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool EndsToken(std::string_view line, std::size_t i) { return i + 1 >= line.size() || IsBlank(line[i + 1]); }

class YamlScanner {
 public:
  explicit YamlScanner(std::size_t limit) : limit_(limit) {}

  // Returns false once the depth limit is passed.
  bool Line(std::string_view line, std::size_t line_no) {
    line_no_ = line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    const bool blank = indent == line.size() || line.find_first_not_of(" \t", indent) == std::string_view::npos;
    if (block_scalar_) {
      if (blank || indent > block_parent_indent_) return true;
      block_scalar_ = false;
    }
    std::size_t pos = 0;
    if (quote_ == 0 && flow_ == 0) {
      if (blank || line[indent] == '#') return true;
      if (indent == 0 && (line.starts_with("---") || line.starts_with("..."))) {
        columns_.clear();  // document marker
        pos = 3;
      } else {
        while (!columns_.empty() && columns_.back() > indent) columns_.pop_back();
        if (columns_.empty() || columns_.back() < indent) {
          if (!Push(indent)) return false;
        }
        pos = indent;
      }
      line_indent_ = indent;
    }
    return Scan(line, pos);
  }

  YamlScan result() const { return result_; }

 private:
  bool Push(std::size_t column) {
    columns_.push_back(column);
    return Measure();
  }
  bool Measure() {
    const std::size_t depth = columns_.size() + flow_;
    if (depth > result_.depth) result_.depth = depth;
    if (depth > limit_) {
      result_.deep_line = line_no_;
      return false;
    }
    return true;
  }

  bool Scan(std::string_view line, std::size_t i) {
    bool token_start = true, after_space = true;
    for (; i < line.size(); ++i) {
      const char c = line[i];
      if (quote_ == '"') {
        if (c == '\\') ++i;
        else if (c == '"') quote_ = 0, token_start = false;
        continue;
      }
      if (quote_ == '\'') {
        if (c == '\'' && i + 1 < line.size() && line[i + 1] == '\'') ++i;
        else if (c == '\'') quote_ = 0, token_start = false;
        continue;
      }
      if (IsBlank(c)) {
        after_space = true;
        continue;
      }
      const bool was_after_space = after_space;
      after_space = false;
      if (c == '#' && was_after_space) return true;  // comment to end of line
      if (token_start && (c == '"' || c == '\'')) {
        quote_ = c;
        continue;
      }
      if (token_start && (c == '&' || c == '*')) {
        if (result_.anchor_line == 0) result_.anchor_line = line_no_;
        token_start = false;
        continue;
      }
      if (token_start && flow_ == 0 && (c == '|' || c == '>')) {
        block_scalar_ = true;
        block_parent_indent_ = line_indent_;
        return true;
      }
      if (token_start && flow_ == 0 && (c == '-' || c == '?') && EndsToken(line, i)) {
        if (!Push(i + 1)) return false;
        continue;  // still at the start of a token
      }
      if ((c == '[' || c == '{') && (token_start || flow_ > 0)) {
        ++flow_;
        if (!Measure()) return false;
        token_start = true;
        continue;
      }
      if ((c == ']' || c == '}') && flow_ > 0) {
        --flow_;
        token_start = false;
        continue;
      }
      if (c == ',' && flow_ > 0) {
        token_start = true;
        continue;
      }
      if (c == ':' && (EndsToken(line, i) || flow_ > 0)) {
        token_start = true;
        continue;
      }
      token_start = false;
    }
    return true;
  }

  std::size_t limit_;
  std::size_t line_no_ = 0;
  std::vector<std::size_t> columns_;  // at most limit_ + 1 entries
  std::size_t flow_ = 0;
  char quote_ = 0;
  bool block_scalar_ = false;
  std::size_t block_parent_indent_ = 0;
  std::size_t line_indent_ = 0;
  YamlScan result_;
};

}  // namespace

YamlScan ScanYaml(std::string_view text, std::size_t limit) {
  YamlScanner scanner(limit);
  std::size_t line_no = 1;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    if (!scanner.Line(line, line_no)) break;
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
    ++line_no;
  }
  return scanner.result();
}

Result<YAML::Node> LoadBoundedYaml(std::string_view text, const std::string& source, const Limits& limits,
                                   std::size_t first_line) {
  const YamlScan scan = ScanYaml(text, limits.max_yaml_depth);
  if (scan.deep_line != 0) {
    return Status::LimitExceeded(fmt::format("{}:{}: YAML nesting deeper than {} levels", source,
                                             scan.deep_line + first_line - 1, limits.max_yaml_depth));
  }
  if (scan.anchor_line != 0) {
    return Status::Corruption(fmt::format("{}:{}: YAML anchors and aliases are not accepted", source,
                                          scan.anchor_line + first_line - 1));
  }
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return Status::Corruption(fmt::format("{}: {}", source, e.msg));
    return Status::Corruption(
        fmt::format("{}:{}: {}", source, static_cast<std::size_t>(e.mark.line) + first_line, e.msg));
  } catch (const std::exception& e) {
    return Status::Corruption(fmt::format("{}: YAML: {}", source, e.what()));
  }
}

}  // namespace modelgate::eval
