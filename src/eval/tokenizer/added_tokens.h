// Added tokens (special or not): split out of the text before the
// pre-tokenizer runs, as the tokenizers library's AddedVocabulary does.
//
// Matching is leftmost-longest over the token contents (tokenizers uses an
// Aho-Corasick automaton with MatchKind::LeftmostLongest); we walk a byte
// trie from each position instead, which is O(text x longest token) and so
// relies on Limits::max_added_token_bytes. Then each match honours its flags:
//   single_word  the match is dropped unless no word character (alphanumeric
//                or '_') touches it on either side;
//   lstrip       white space before the match joins it (never reaching back
//                into an earlier match);
//   rstrip       white space after the match joins it.
#ifndef MODELGATE_EVAL_TOKENIZER_ADDED_TOKENS_H_
#define MODELGATE_EVAL_TOKENIZER_ADDED_TOKENS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace modelgate::eval {

struct AddedToken {
  std::string content;
  std::int32_t id = 0;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;  // matched in the normalised text (else in the raw text)
  bool special = false;
};

// A piece of text: either an added token (token >= 0, an index into the
// tokens given to AddedTokenMatcher) or text still to pre-tokenize.
struct TextSegment {
  std::size_t begin = 0;
  std::size_t end = 0;
  int token = -1;
};

// Finds the occurrences of a fixed set of added tokens. Immutable once
// built; Split may be called concurrently.
class AddedTokenMatcher {
 public:
  // `patterns[k]` is the text token k is matched as (empty ones never match);
  // `tokens[k]` its flags. REQUIRES: patterns.size() == tokens.size().
  AddedTokenMatcher(const std::vector<std::string>& patterns, const std::vector<AddedToken>& tokens);

  bool empty() const { return nodes_.size() == 1; }

  // Splits `text` into segments covering it in order; empty text segments
  // are left out.
  void Split(std::string_view text, std::vector<TextSegment>* out) const;

 private:
  // Longest pattern starting at text[pos]: its token index, or -1; its
  // length through *len.
  int LongestAt(std::string_view text, std::size_t pos, std::size_t* len) const;

  struct Node {
    int token = -1;
  };
  std::vector<Node> nodes_;  // nodes_[0] is the root
  // The root's children by byte (0 = none): most positions of a text start
  // no token, and this rejects them without hashing.
  std::array<std::uint32_t, 256> root_children_{};
  std::unordered_map<std::uint64_t, std::uint32_t> edges_;  // (node << 8 | byte) -> child
  std::vector<AddedToken> tokens_;
};

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_TOKENIZER_ADDED_TOKENS_H_
