// ICU-backed character classes and NFC for the BPE pre-tokenizers.
//
// ASCII is classified from a table built once (most text is ASCII); other
// code points ask ICU (u_charType, White_Space), whose tables are tries and
// cost a few nanoseconds per call.
#include "eval/tokenizer/unicode_text.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>

#include <array>

namespace modelgate::eval {
namespace {

CharClass IcuClass(std::uint32_t cp) {
  const auto c = static_cast<UChar32>(cp);
  switch (u_charType(c)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return CharClass::kLetter;
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return CharClass::kNumber;
    default:
      break;
  }
  return u_isUWhiteSpace(c) ? CharClass::kSpace : CharClass::kOther;
}

const std::array<CharClass, 128>& AsciiClasses() {
  static const std::array<CharClass, 128> table = [] {
    std::array<CharClass, 128> t{};
    for (std::uint32_t c = 0; c < 128; ++c) t[c] = IcuClass(c);
    return t;
  }();
  return table;
}

}  // namespace

std::size_t DecodeOneChar(std::string_view text, std::size_t pos, std::uint32_t* cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  const unsigned char b0 = p[pos];
  *cp = kInvalidCodePoint;
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  std::size_t len = 0;
  std::uint32_t v = 0;
  std::uint32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, v = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, v = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, v = b0 & 0x07, min = 0x10000;
  } else {
    return 1;
  }
  if (len > n - pos) return 1;
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char b = p[pos + k];
    if ((b & 0xC0) != 0x80) return 1;
    v = (v << 6) | (b & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 1;
  *cp = v;
  return len;
}

CharClass ClassOf(std::uint32_t cp) {
  if (cp < 128) return AsciiClasses()[cp];
  if (cp == kInvalidCodePoint) return CharClass::kOther;
  return IcuClass(cp);
}

void DecodeChars(std::string_view text, std::vector<DecodedChar>* out) {
  out->clear();
  out->reserve(text.size());
  const auto& ascii = AsciiClasses();
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto b = static_cast<unsigned char>(text[pos]);
    if (b < 0x80) {
      out->push_back({static_cast<std::uint32_t>(pos), b, 1, ascii[b]});
      ++pos;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t len = DecodeOneChar(text, pos, &cp);
    out->push_back({static_cast<std::uint32_t>(pos), cp, static_cast<std::uint8_t>(len), ClassOf(cp)});
    pos += len;
  }
}

bool IsWhiteSpace(std::uint32_t cp) { return cp != kInvalidCodePoint && u_isUWhiteSpace(static_cast<UChar32>(cp)); }

bool IsWordChar(std::uint32_t cp) {
  if (cp == kInvalidCodePoint) return false;
  if (cp == '_') return true;
  const auto c = static_cast<UChar32>(cp);
  return u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || ClassOf(cp) == CharClass::kNumber;
}

void AppendNfc(std::string_view text, std::string* out) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  std::size_t pos = 0;
  while (pos < text.size()) {
    // The longest valid UTF-8 run from pos.
    std::size_t end = pos;
    while (end < text.size()) {
      std::uint32_t cp = 0;
      const std::size_t len = DecodeOneChar(text, end, &cp);
      if (cp == kInvalidCodePoint) break;
      end += len;
    }
    if (end > pos) {
      const std::string_view run = text.substr(pos, end - pos);
      const icu::StringPiece piece(run.data(), static_cast<std::int32_t>(run.size()));
      UErrorCode st = status;
      if (U_SUCCESS(st) && nfc->isNormalizedUTF8(piece, st) && U_SUCCESS(st)) {
        out->append(run);
      } else {
        st = status;
        std::string normalized;
        icu::StringByteSink<std::string> sink(&normalized);
        if (U_SUCCESS(st)) nfc->normalizeUTF8(0, piece, sink, nullptr, st);
        // ICU fails only on allocation failure; keep the text unnormalised then
        // rather than dropping it.
        out->append(U_SUCCESS(st) ? std::string_view(normalized) : run);
      }
      pos = end;
    }
    if (pos < text.size()) {
      std::uint32_t cp = 0;
      const std::size_t len = DecodeOneChar(text, pos, &cp);
      if (cp == kInvalidCodePoint) {
        out->push_back(text[pos]);
        pos += len;
      }
    }
  }
}

}  // namespace modelgate::eval
