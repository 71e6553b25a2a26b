// Added-token splitting, following tokenizers' AddedVocabulary::find_matches.
#include "eval/tokenizer/added_tokens.h"

#include "eval/tokenizer/unicode_text.h"

namespace modelgate::eval {
namespace {

std::uint64_t EdgeKey(std::uint32_t node, unsigned char byte) { return (static_cast<std::uint64_t>(node) << 8) | byte; }

// Code point of the character ending just before `end` (UTF-8 is
// self-synchronising, so step back over continuation bytes).
std::uint32_t LastChar(std::string_view text, std::size_t end, std::size_t* begin) {
  std::size_t b = end - 1;
  while (b > 0 && end - b < 4 && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) --b;
  std::uint32_t cp = 0;
  const std::size_t len = DecodeOneChar(text, b, &cp);
  if (b + len != end) {  // not a whole character: an invalid trailing byte
    *begin = end - 1;
    return kInvalidCodePoint;
  }
  *begin = b;
  return cp;
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(const std::vector<std::string>& patterns, const std::vector<AddedToken>& tokens)
    : nodes_(1), tokens_(tokens) {
  for (std::size_t k = 0; k < patterns.size(); ++k) {
    const std::string& p = patterns[k];
    if (p.empty()) continue;
    std::uint32_t node = 0;
    for (const char ch : p) {
      const auto [it, inserted] =
          edges_.try_emplace(EdgeKey(node, static_cast<unsigned char>(ch)), static_cast<std::uint32_t>(nodes_.size()));
      if (inserted) nodes_.emplace_back();
      node = it->second;
    }
    // The first of two tokens with the same text wins (tokenizers keeps one).
    if (nodes_[node].token < 0) nodes_[node].token = static_cast<int>(k);
  }
  for (int b = 0; b < 256; ++b) {
    const auto it = edges_.find(EdgeKey(0, static_cast<unsigned char>(b)));
    if (it != edges_.end()) root_children_[static_cast<std::size_t>(b)] = it->second;
  }
}

int AddedTokenMatcher::LongestAt(std::string_view text, std::size_t pos, std::size_t* len) const {
  std::uint32_t node = root_children_[static_cast<unsigned char>(text[pos])];
  if (node == 0) return -1;
  int best = nodes_[node].token;
  *len = 1;
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    const auto it = edges_.find(EdgeKey(node, static_cast<unsigned char>(text[i])));
    if (it == edges_.end()) break;
    node = it->second;
    if (nodes_[node].token >= 0) {
      best = nodes_[node].token;
      *len = i + 1 - pos;
    }
  }
  return best;
}

void AddedTokenMatcher::Split(std::string_view text, std::vector<TextSegment>* out) const {
  std::size_t start_offset = 0;  // end of the last emitted segment
  std::size_t pos = 0;           // where the search resumes
  while (pos < text.size()) {
    std::size_t len = 0;
    const int token = empty() ? -1 : LongestAt(text, pos, &len);
    if (token < 0) {
      ++pos;
      continue;
    }
    std::size_t start = pos;
    std::size_t stop = pos + len;
    pos = stop;  // the automaton's matches never overlap
    const AddedToken& t = tokens_[static_cast<std::size_t>(token)];
    if (start < start_offset) continue;  // swallowed by the previous token's rstrip
    if (t.single_word) {
      std::size_t b = 0;
      const bool word_before = start > 0 && IsWordChar(LastChar(text, start, &b));
      std::uint32_t cp = 0;
      const bool word_after = stop < text.size() && (DecodeOneChar(text, stop, &cp), IsWordChar(cp));
      if (word_before || word_after) continue;
    }
    if (t.lstrip) {
      std::size_t s = start;
      while (s > start_offset) {
        std::size_t b = 0;
        if (!IsWhiteSpace(LastChar(text, s, &b)) || b < start_offset) break;
        s = b;
      }
      start = s;
    }
    if (t.rstrip) {
      while (stop < text.size()) {
        std::uint32_t cp = 0;
        const std::size_t n = DecodeOneChar(text, stop, &cp);
        if (!IsWhiteSpace(cp)) break;
        stop += n;
      }
    }
    if (start_offset < start) out->push_back({start_offset, start, -1});
    out->push_back({start, stop, token});
    start_offset = stop;
    // The search resumes at the token's own end, as the automaton's does; a
    // match found inside the stripped spaces is skipped above.
  }
  if (start_offset < text.size()) out->push_back({start_offset, text.size(), -1});
}

}  // namespace modelgate::eval
