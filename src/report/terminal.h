// Helpers for putting untrusted strings on a terminal safely and legibly.
//
// Internal to src/report/. Pure functions, thread-safe.
#ifndef MODELGATE_REPORT_TERMINAL_H_
#define MODELGATE_REPORT_TERMINAL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace modelgate::report_internal {

// Returns `s` with everything a terminal could act on made visible:
// C0 controls (including ESC, CR, LF, TAB), DEL and bytes that are not valid
// UTF-8 become "\xNN"; C1 controls (U+0080..U+009F) and bidirectional
// overrides/isolates (U+202A..U+202E, U+2066..U+2069, the "Trojan Source"
// characters) become "\u{NNNN}". Valid printable UTF-8 passes unchanged.
std::string TerminalSafe(std::string_view s);

// Columns `s` occupies, counting one per code point. REQUIRES: `s` is valid
// UTF-8 (e.g. the output of TerminalSafe). East Asian wide characters are
// undercounted; that only makes a wrapped line a little longer.
std::size_t DisplayWidth(std::string_view s);

// Splits `s` into lines of at most `width` columns, breaking at spaces. A
// word longer than `width` gets a line of its own rather than being cut.
// Runs of spaces collapse to one. Returns no lines for an empty/blank `s`.
// REQUIRES: width > 0; `s` valid UTF-8.
std::vector<std::string> WrapWords(std::string_view s, std::size_t width);

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when the
// bytes there are not one (overlong, surrogate, > U+10FFFF, truncated).
// On success stores the code point in *cp.
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp);

}  // namespace modelgate::report_internal

#endif  // MODELGATE_REPORT_TERMINAL_H_
