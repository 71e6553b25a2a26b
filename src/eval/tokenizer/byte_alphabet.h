// GPT-2's byte-to-unicode alphabet (`bytes_to_unicode` in openai/gpt-2's
// encoder.py, `ByteLevel` in the tokenizers library).
//
// Byte-level BPE vocabularies are written in this alphabet: each of the 256
// byte values is one printable code point. Printable Latin-1 bytes
// ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand for themselves; the other
// 68 bytes take U+0100, U+0101, ... in byte order (so a space is 'Ġ' U+0120
// and a newline 'Ċ' U+010A).
#ifndef MODELGATE_EVAL_TOKENIZER_BYTE_ALPHABET_H_
#define MODELGATE_EVAL_TOKENIZER_BYTE_ALPHABET_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace modelgate::eval {

// The code point byte `b` is written as.
std::uint32_t ByteToAlphabet(std::uint8_t b);

// Appends the alphabet spelling (UTF-8) of `bytes` to *out.
void AppendByteLevel(std::string_view bytes, std::string* out);

// Appends the bytes `text` spells in the alphabet to *out and returns true;
// returns false (leaving *out with a partial append) when `text` holds a
// character outside the alphabet or invalid UTF-8.
bool AppendFromByteLevel(std::string_view text, std::string* out);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_TOKENIZER_BYTE_ALPHABET_H_
