// Tables for GPT-2's byte-to-unicode alphabet, built once.
#include "eval/tokenizer/byte_alphabet.h"

#include <array>

#include "base/utf8.h"
#include "eval/tokenizer/unicode_text.h"

namespace modelgate::eval {
namespace {

struct Alphabet {
  std::array<std::uint32_t, 256> to_cp{};
  std::array<std::string, 256> spelled;     // UTF-8 of to_cp[b]
  std::array<std::int16_t, 0x144> to_byte;  // code point -> byte, -1 outside
};

const Alphabet& Tables() {
  static const Alphabet alphabet = [] {
    Alphabet a;
    a.to_byte.fill(-1);
    std::uint32_t next = 256;
    for (std::uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      a.to_cp[b] = printable ? b : next++;
      a.to_byte[a.to_cp[b]] = static_cast<std::int16_t>(b);
      AppendUtf8(a.to_cp[b], &a.spelled[b]);
    }
    return a;
  }();
  return alphabet;
}

}  // namespace

std::uint32_t ByteToAlphabet(std::uint8_t b) { return Tables().to_cp[b]; }

void AppendByteLevel(std::string_view bytes, std::string* out) {
  const Alphabet& a = Tables();
  for (const char c : bytes) out->append(a.spelled[static_cast<std::uint8_t>(c)]);
}

bool AppendFromByteLevel(std::string_view text, std::string* out) {
  const Alphabet& a = Tables();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::uint32_t cp = 0;
    pos += DecodeOneChar(text, pos, &cp);
    if (cp >= a.to_byte.size() || a.to_byte[cp] < 0) return false;
    out->push_back(static_cast<char>(a.to_byte[cp]));
  }
  return true;
}

}  // namespace modelgate::eval
