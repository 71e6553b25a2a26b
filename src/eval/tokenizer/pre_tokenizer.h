// The pre-tokenizers of byte-level BPE tokenizers: the split regexes of
// GPT-2, Llama 3 and Qwen2, hand-compiled, and the ByteLevel step.
//
// The regexes use a negative lookahead (\s+(?!\S)) and Unicode classes,
// which RE2 cannot express; a general backtracking engine over untrusted
// text is what we avoid everywhere else. So each known pattern string is
// recognised exactly and matched by hand-written code that reproduces the
// regex's leftmost-first semantics (alternatives tried in order, greedy
// quantifiers with the backtracking the regex would do). Any other pattern
// is refused by the caller (kNotSupported).
#ifndef MODELGATE_EVAL_TOKENIZER_PRE_TOKENIZER_H_
#define MODELGATE_EVAL_TOKENIZER_PRE_TOKENIZER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelgate::eval {

enum class SplitPattern {
  // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  kGpt2,
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
  //  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  kLlama3,
  // As kLlama3 with \p{N} (one digit per piece) instead of \p{N}{1,3}.
  kQwen2,
};

// The pattern a tokenizer.json Split regex (JSON-unescaped) spells, or
// nullopt for any other string.
std::optional<SplitPattern> RecognizeSplitPattern(std::string_view regex);

// The byte lengths of the consecutive matches of `pattern` over `text`, in
// order; they cover `text` exactly (each of these patterns matches every
// character class, so there are no gaps). REQUIRES: text.size() < 4 GiB.
void SplitLengths(SplitPattern pattern, std::string_view text, std::vector<std::size_t>* lengths);

// One step of a pre-tokenizer Sequence.
struct PreTokenizerStep {
  enum class Kind { kSplit, kByteLevel };
  Kind kind = Kind::kByteLevel;
  SplitPattern pattern = SplitPattern::kGpt2;  // kSplit
  bool remove_matches = false;                 // kSplit: behavior Removed (else Isolated)
  bool add_prefix_space = false;               // kByteLevel
  bool use_regex = true;                       // kByteLevel: split with kGpt2
};

// Runs `steps` over `segment` (text between added tokens, normalised) and
// appends the non-empty pieces, in order, to *pieces. The ByteLevel step's
// byte mapping itself is left to the BPE model.
void PreTokenize(const std::vector<PreTokenizerStep>& steps, std::string_view segment,
                 std::vector<std::string>* pieces);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_TOKENIZER_PRE_TOKENIZER_H_
