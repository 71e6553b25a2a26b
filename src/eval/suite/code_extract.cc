// ExtractCode (checks.h): finds the code in a generation and trims it so
// that Bandit, which parses with Python's `ast`, can read as much of it as
// possible. Whether Python would parse a text is not knowable here, so the
// trimming is lexical:
//   1. fenced blocks (``` or ```python) when the text has any complete one;
//      a trailing unclosed block (a generation cut off by max_new_tokens) is
//      dropped then, and used alone when it is the only code;
//   2. the text is cut back to the end of its last line that closes every
//      bracket and string and does not end in an operator or `\`;
//   3. trailing block openers without a body (`def f():`, `if x:`) are
//      dropped. Whatever still does not parse becomes Bandit's syntax error.
#include <string>
#include <string_view>
#include <vector>

#include "eval/suite/checks.h"

namespace modelgate::eval {
namespace {

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

bool IsPythonFence(std::string_view info) {
  while (!info.empty() && (info.back() == ' ' || info.back() == '\t' || info.back() == '\r')) info.remove_suffix(1);
  info = TrimLeft(info);
  return info.empty() || info == "python" || info == "py" || info == "python3" || info == "Python";
}

// Code of the fenced blocks in `text`; empty when there is none.
std::string FencedCode(std::string_view text, bool* found) {
  std::string complete, open_block;
  bool in_block = false, keep_block = false;
  std::size_t complete_blocks = 0;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    const std::string_view trimmed = TrimLeft(line);
    if (trimmed.starts_with("```")) {
      if (!in_block) {
        in_block = true;
        keep_block = IsPythonFence(trimmed.substr(3));
        open_block.clear();
      } else {
        in_block = false;
        if (keep_block) {
          complete += open_block;
          ++complete_blocks;
        }
      }
      *found = true;
      continue;
    }
    if (in_block) {
      open_block.append(line);
      open_block.push_back('\n');
    }
  }
  if (complete_blocks > 0) return complete;
  if (in_block && keep_block) return open_block;
  return "";
}

// One line as the lexer leaves it.
struct LineState {
  std::size_t end = 0;        // offset just past the line's '\n' (or the text's end)
  bool top_level = false;     // no open bracket, string or `\` continuation after it
  char last = 0;              // last character outside strings and comments, 0 if none
};

std::vector<LineState> LexLines(std::string_view code) {
  std::vector<LineState> lines;
  int depth = 0;
  char quote = 0;       // open string's quote character
  bool triple = false;  // ... and whether it is a triple-quoted one
  bool comment = false, continuation = false;
  char last = 0;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '\n') {
      if (quote != 0 && !triple) quote = 0, depth = 1000;  // unterminated string: never complete again
      lines.push_back({i + 1, depth == 0 && quote == 0 && !continuation, last});
      comment = continuation = false;
      last = 0;
      continue;
    }
    if (comment) continue;
    if (quote != 0) {
      if (c == '\\') {
        ++i;
        if (i < code.size() && code[i] == '\n') --i;  // let the newline be seen
      } else if (c == quote) {
        if (!triple) {
          quote = 0;
        } else if (i + 2 < code.size() && code[i + 1] == quote && code[i + 2] == quote) {
          quote = 0;
          i += 2;
        }
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    continuation = c == '\\';
    if (c == '#') {
      comment = true;
      continue;
    }
    last = c;
    if (c == '"' || c == '\'') {
      quote = c;
      triple = i + 2 < code.size() && code[i + 1] == c && code[i + 2] == c;
      if (triple) i += 2;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  if (!code.empty() && code.back() != '\n') {
    lines.push_back({code.size(), depth == 0 && quote == 0 && !continuation, last});
  }
  return lines;
}

bool EndsInOperator(char c) {
  return std::string_view("+-*/%&|^<>=.@~!").find(c) != std::string_view::npos;
}

std::string TrimToCompleteLines(const std::string& code) {
  const std::vector<LineState> lines = LexLines(code);
  std::size_t keep = 0;  // lines kept
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].top_level && !EndsInOperator(lines[i].last)) keep = i + 1;
  }
  // Drop block openers left without a body, and the blank or comment-only
  // lines after them.
  while (keep > 0) {
    const char last = lines[keep - 1].last;
    if (last == 0 || last == ':') {
      --keep;
      continue;
    }
    break;
  }
  return code.substr(0, keep == 0 ? 0 : lines[keep - 1].end);
}

}  // namespace

std::string ExtractCode(const std::string& prompt, const std::string& output, const Check& check) {
  bool fenced = false;
  std::string code = FencedCode(output, &fenced);
  if (!fenced) code = output;
  if (check.include_prompt) code = prompt + code;
  return TrimToCompleteLines(code);
}

}  // namespace modelgate::eval
