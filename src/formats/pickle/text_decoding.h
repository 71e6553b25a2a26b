// Decoders for the text arguments of protocol-0 pickle opcodes, matching
// what CPython's unpickler accepts. Pure functions; thread-safe.
#ifndef MODELGATE_FORMATS_PICKLE_TEXT_DECODING_H_
#define MODELGATE_FORMATS_PICKLE_TEXT_DECODING_H_

#include <string>
#include <string_view>

namespace modelgate::pickle {

// STRING: a quoted Python 2 string literal ('...' or "...") with backslash
// escapes (\n \t \r, octal, \xHH). On success stores the bytes in *out.
// On failure returns false and points *error at a static message.
bool DecodeStringOpcodeArgument(std::string_view quoted, std::string* out, const char** error);

// UNICODE: raw-unicode-escape (\uXXXX, \UXXXXXXXX; other bytes are
// Latin-1), re-encoded as UTF-8 in *out. Same failure contract.
bool DecodeRawUnicodeEscape(std::string_view text, std::string* out, const char** error);

}  // namespace modelgate::pickle

#endif  // MODELGATE_FORMATS_PICKLE_TEXT_DECODING_H_
