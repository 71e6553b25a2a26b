// Terminal-safe rendering of attacker-chosen strings.
//
// A scanned file picks its own member names and pickled strings; if those
// reached the terminal raw, an ESC sequence could erase the FAIL line and
// print a fake PASS, and a bidi override could reorder what the reader sees.
// So the text writer passes every untrusted string through TerminalSafe().
#include "report/terminal.h"

#include <cstdint>

namespace modelgate::report_internal {
namespace {

void AppendHexByte(std::string* out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xf]);
}

void AppendCodePointEscape(std::string* out, char32_t cp) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\u{");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(cp >> shift) & 0xf]);
  out->push_back('}');
}

bool IsDangerousCodePoint(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) ||      // C1 controls (0x9b is CSI)
         (cp >= 0x202a && cp <= 0x202e) ||  // bidi embeddings/overrides
         (cp >= 0x2066 && cp <= 0x2069);    // bidi isolates
}

}  // namespace

std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp) {
  const std::size_t n = s.size();
  if (i >= n) return 0;
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  std::size_t len;
  char32_t value;
  char32_t min;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2, value = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, value = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, value = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (len > n - i) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    value = (value << 6) | (b & 0x3f);
  }
  if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return 0;
  *cp = value;
  return len;
}

std::string TerminalSafe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    const std::size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      AppendHexByte(&out, static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    if (cp < 0x20 || cp == 0x7f) {
      AppendHexByte(&out, static_cast<unsigned char>(cp));
    } else if (IsDangerousCodePoint(cp)) {
      AppendCodePointEscape(&out, cp);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::size_t DisplayWidth(std::string_view s) {
  std::size_t width = 0;
  for (char c : s) {
    // Count every byte that does not continue a sequence.
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++width;
  }
  return width;
}

std::vector<std::string> WrapWords(std::string_view s, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t line_width = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (start == i) break;
    const std::string_view word = s.substr(start, i - start);
    const std::size_t word_width = DisplayWidth(word);
    if (line_width > 0 && line_width + 1 + word_width > width) {
      lines.push_back(std::move(line));
      line.clear();
      line_width = 0;
    }
    if (line_width > 0) {
      line.push_back(' ');
      ++line_width;
    }
    line.append(word);
    line_width += word_width;
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

}  // namespace modelgate::report_internal
