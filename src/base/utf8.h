// UTF-8 helpers shared by the format readers (pickle names, npy headers).
#ifndef MODELGATE_BASE_UTF8_H_
#define MODELGATE_BASE_UTF8_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace modelgate {

// Appends code point `cp` (REQUIRES: cp <= 0x10FFFF) encoded as UTF-8.
void AppendUtf8(std::uint32_t cp, std::string* out);

// True when `s` is strict UTF-8 as Python's decode("utf-8") accepts it: no
// overlong forms, no surrogates, nothing past U+10FFFF.
bool IsValidUtf8(std::string_view s);

}  // namespace modelgate

#endif  // MODELGATE_BASE_UTF8_H_
