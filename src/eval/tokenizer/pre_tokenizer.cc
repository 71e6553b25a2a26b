// Hand-compiled split regexes (see pre_tokenizer.h for why).
//
// Each matcher is called at a position i of the decoded text and returns the
// end of the match found there. Every one of the patterns matches any
// character class (letters, digits, spaces and "other" each have an
// alternative), so the regex never skips a character and the matches tile
// the text. Alternatives are tried in the pattern's order; greedy
// quantifiers followed by something that can fail are resolved the way the
// backtracking engine would, as noted at each one.
#include "eval/tokenizer/pre_tokenizer.h"

#include "eval/tokenizer/unicode_text.h"

namespace modelgate::eval {
namespace {

constexpr std::string_view kGpt2Regex = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

using Chars = std::vector<DecodedChar>;

bool Is(const Chars& c, std::size_t i, CharClass cls) { return i < c.size() && c[i].cls == cls; }
bool IsCrLf(const DecodedChar& ch) { return ch.cp == '\r' || ch.cp == '\n'; }

// Lower-cases for the (?i:...) contractions: ASCII, plus U+017F LATIN SMALL
// LETTER LONG S, whose simple case folding is 's'.
std::uint32_t FoldForContraction(std::uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + ('a' - 'A');
  if (cp == 0x17F) return 's';
  return cp;
}

// 's|'t|'re|'ve|'m|'ll|'d at i: the match end, or i when none matches.
std::size_t MatchContraction(const Chars& c, std::size_t i, bool ignore_case) {
  if (c[i].cp != '\'' || i + 1 >= c.size()) return i;
  auto at = [&](std::size_t k) { return ignore_case ? FoldForContraction(c[k].cp) : c[k].cp; };
  const std::uint32_t a = at(i + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
  if (i + 2 >= c.size()) return i;
  const std::uint32_t b = at(i + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
  return i;
}

std::size_t SkipClass(const Chars& c, std::size_t i, CharClass cls) {
  while (i < c.size() && c[i].cls == cls) ++i;
  return i;
}

// ` ?X+` for a class X: the optional space is taken only when an X follows
// it (otherwise the engine backtracks to not taking it, and then a space is
// no X).
std::size_t MatchSpaceThenRun(const Chars& c, std::size_t i, CharClass cls) {
  std::size_t j = i;
  if (c[j].cp == ' ' && Is(c, j + 1, cls)) ++j;
  return Is(c, j, cls) ? SkipClass(c, j, cls) : i;
}

// `\s+(?!\S)` then `\s+` at a space: greedy \s+ runs to the end of the
// spaces; if a non-space follows, the lookahead fails there and the engine
// gives back one space (which is not \S), so the match stops one short,
// unless that leaves nothing, in which case the plain `\s+` takes the run.
std::size_t MatchSpaces(const Chars& c, std::size_t i) {
  const std::size_t j = SkipClass(c, i, CharClass::kSpace);
  if (j == c.size()) return j;
  return j - 1 > i ? j - 1 : j;
}

std::size_t MatchGpt2(const Chars& c, std::size_t i) {
  std::size_t e = MatchContraction(c, i, /*ignore_case=*/false);
  if (e > i) return e;
  for (const CharClass cls : {CharClass::kLetter, CharClass::kNumber, CharClass::kOther}) {
    e = MatchSpaceThenRun(c, i, cls);
    if (e > i) return e;
  }
  return MatchSpaces(c, i);
}

std::size_t MatchLlamaFamily(const Chars& c, std::size_t i, std::size_t max_digits) {
  std::size_t e = MatchContraction(c, i, /*ignore_case=*/true);
  if (e > i) return e;
  // [^\r\n\p{L}\p{N}]?\p{L}+ : the optional character is kept only when a
  // letter follows it.
  if (c[i].cls == CharClass::kLetter) return SkipClass(c, i, CharClass::kLetter);
  if (c[i].cls != CharClass::kNumber && !IsCrLf(c[i]) && Is(c, i + 1, CharClass::kLetter)) {
    return SkipClass(c, i + 1, CharClass::kLetter);
  }
  // \p{N}{1,3} or \p{N}
  if (c[i].cls == CharClass::kNumber) {
    e = i;
    while (e < c.size() && e - i < max_digits && c[e].cls == CharClass::kNumber) ++e;
    return e;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  e = MatchSpaceThenRun(c, i, CharClass::kOther);
  if (e > i) {
    while (e < c.size() && IsCrLf(c[e])) ++e;
    return e;
  }
  // Here c[i] is a space. \s*[\r\n]+ : greedy \s* gives back spaces until a
  // CR or LF follows, so the match ends just after the last CR/LF of the run
  // of spaces (the [\r\n]+ cannot go further: what follows that last CR/LF
  // is a non-CR/LF space or the end of the run).
  const std::size_t run_end = SkipClass(c, i, CharClass::kSpace);
  for (std::size_t k = run_end; k > i; --k) {
    if (IsCrLf(c[k - 1])) return k;
  }
  return MatchSpaces(c, i);
}

}  // namespace

std::optional<SplitPattern> RecognizeSplitPattern(std::string_view regex) {
  if (regex == kGpt2Regex) return SplitPattern::kGpt2;
  if (regex == kLlama3Regex) return SplitPattern::kLlama3;
  if (regex == kQwen2Regex) return SplitPattern::kQwen2;
  return std::nullopt;
}

void SplitLengths(SplitPattern pattern, std::string_view text, std::vector<std::size_t>* lengths) {
  lengths->clear();
  thread_local Chars chars;
  DecodeChars(text, &chars);
  std::size_t i = 0;
  while (i < chars.size()) {
    std::size_t e = 0;
    switch (pattern) {
      case SplitPattern::kGpt2:
        e = MatchGpt2(chars, i);
        break;
      case SplitPattern::kLlama3:
        e = MatchLlamaFamily(chars, i, 3);
        break;
      case SplitPattern::kQwen2:
        e = MatchLlamaFamily(chars, i, 1);
        break;
    }
    if (e <= i) e = i + 1;  // unreachable (see the file comment); guarantees progress
    const std::size_t begin = chars[i].offset;
    const std::size_t end = e < chars.size() ? chars[e].offset : text.size();
    lengths->push_back(end - begin);
    i = e;
  }
}

void PreTokenize(const std::vector<PreTokenizerStep>& steps, std::string_view segment,
                 std::vector<std::string>* pieces) {
  std::vector<std::string> current;
  if (!segment.empty()) current.emplace_back(segment);
  std::vector<std::string> next;
  std::vector<std::size_t> lengths;
  for (const PreTokenizerStep& step : steps) {
    next.clear();
    for (std::string& piece : current) {
      bool split = true;
      SplitPattern pattern = SplitPattern::kGpt2;
      if (step.kind == PreTokenizerStep::Kind::kByteLevel) {
        // tokenizers' ByteLevel: a space is prepended to every piece that
        // does not already start with one.
        if (step.add_prefix_space && !piece.empty() && piece.front() != ' ') piece.insert(piece.begin(), ' ');
        split = step.use_regex;
      } else {
        pattern = step.pattern;
      }
      if (!split) {
        next.push_back(std::move(piece));
        continue;
      }
      SplitLengths(pattern, piece, &lengths);
      std::size_t pos = 0;
      for (const std::size_t len : lengths) {
        // Every piece is a match, so behaviour Removed leaves nothing.
        if (!step.remove_matches) next.emplace_back(piece, pos, len);
        pos += len;
      }
    }
    current.swap(next);
  }
  for (std::string& piece : current) pieces->push_back(std::move(piece));
}

}  // namespace modelgate::eval
