// Text argument decoding for protocol-0 opcodes. Each loop indexes only
// inside the given view; nothing recurses.
#include "formats/pickle/text_decoding.h"

#include "base/utf8.h"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace modelgate::pickle {

namespace {


int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

bool DecodeStringOpcodeArgument(std::string_view s, std::string* out, const char** error) {
  // _pickle.c load_string: the argument must start and end with the same quote.
  if (s.size() < 2 || s.front() != s.back() || (s.front() != '\'' && s.front() != '"')) {
    *error = "the STRING opcode argument must be quoted";
    return false;
  }
  s = s.substr(1, s.size() - 2);
  out->clear();
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (s[k] != '\\' || k + 1 >= s.size()) {
      out->push_back(s[k]);
      continue;
    }
    char e = s[++k];
    switch (e) {
      case 'n': out->push_back('\n'); break;
      case 't': out->push_back('\t'); break;
      case 'r': out->push_back('\r'); break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        int v = 0, digits = 0;
        while (digits < 3 && k < s.size() && s[k] >= '0' && s[k] <= '7') {
          v = v * 8 + (s[k++] - '0');
          ++digits;
        }
        --k;
        out->push_back(static_cast<char>(v));
        break;
      }
      case 'x':
        if (k + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[k + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[k + 2]))) {
          out->push_back(static_cast<char>(HexValue(s[k + 1]) * 16 + HexValue(s[k + 2])));
          k += 2;
        } else {
          *error = "invalid \\x escape in STRING";
          return false;
        }
        break;
      default: out->push_back(e); break;
    }
  }
  return true;
}

bool DecodeRawUnicodeEscape(std::string_view s, std::string* out, const char** error) {
  out->clear();
  for (std::size_t k = 0; k < s.size(); ++k) {
    unsigned char ch = static_cast<unsigned char>(s[k]);
    std::uint32_t cp = ch;
    if (ch == '\\' && k + 1 < s.size() && (s[k + 1] == 'u' || s[k + 1] == 'U')) {
      std::size_t len = s[k + 1] == 'u' ? 4 : 8;
      if (k + 2 + len > s.size()) {
        *error = "truncated \\u escape in UNICODE";
        return false;
      }
      auto res = std::from_chars(s.data() + k + 2, s.data() + k + 2 + len, cp, 16);
      if (res.ec != std::errc() || res.ptr != s.data() + k + 2 + len || cp > 0x10FFFF) {
        *error = "bad \\u escape in UNICODE";
        return false;
      }
      k += 1 + len;
    }
    AppendUtf8(cp, out);
  }
  return true;
}


}  // namespace modelgate::pickle
