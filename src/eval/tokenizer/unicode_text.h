// Unicode facts the byte-level BPE pre-tokenizers need, from ICU: UTF-8
// decoding that tolerates invalid bytes, the character classes of the split
// regexes (\p{L}, \p{N}, \s) and NFC normalisation.
//
// The tokenizers library works on Rust `str`, which is always valid UTF-8.
// Our callers may hand us any bytes, so an invalid byte is decoded as one
// "character" of its own (class kOther, never a letter, digit or space) and
// is kept as it is; it then goes through byte-level BPE like any byte.
#ifndef MODELGATE_EVAL_TOKENIZER_UNICODE_TEXT_H_
#define MODELGATE_EVAL_TOKENIZER_UNICODE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modelgate::eval {

// The classes the pre-tokenizer regexes distinguish. Every code point is in
// exactly one: \p{L} (general category L*), \p{N} (N*), \s (White_Space),
// or none of them.
enum class CharClass : std::uint8_t { kLetter, kNumber, kSpace, kOther };

// Marks an invalid UTF-8 byte in DecodedChar::cp.
inline constexpr std::uint32_t kInvalidCodePoint = 0xFFFFFFFFu;

struct DecodedChar {
  std::uint32_t offset;  // byte offset in the decoded text
  std::uint32_t cp;      // code point, or kInvalidCodePoint
  std::uint8_t length;   // bytes, 1..4
  CharClass cls;
};

// Decodes `text` (REQUIRES: size < 4 GiB) into characters. Strict UTF-8 (no
// overlong forms, surrogates or values past U+10FFFF); each byte of an
// invalid sequence becomes one kInvalidCodePoint character.
void DecodeChars(std::string_view text, std::vector<DecodedChar>* out);

// Length of the character starting at text[pos] (1 for an invalid byte) and
// its code point through *cp. REQUIRES: pos < text.size().
std::size_t DecodeOneChar(std::string_view text, std::size_t pos, std::uint32_t* cp);

CharClass ClassOf(std::uint32_t cp);
// Rust's char::is_whitespace (White_Space), as the added-token lstrip /
// rstrip rules use it.
bool IsWhiteSpace(std::uint32_t cp);
// Rust's char::is_alphanumeric (Alphabetic or N*) or '_': the "word"
// characters of the added-token single_word rule.
bool IsWordChar(std::uint32_t cp);

// Appends the NFC form of `text` to *out. Valid UTF-8 runs are normalised
// with ICU; invalid bytes are copied unchanged between them.
void AppendNfc(std::string_view text, std::string* out);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_TOKENIZER_UNICODE_TEXT_H_
