// Vocabulary: token id -> token text from a Hugging Face tokenizer.json, so
// changed embedding rows can be named ("row 4711 = ' cf'") as trigger
// candidates. Reads the vocabularies of the WordLevel, WordPiece and BPE
// models (an object token -> id), Unigram (an array of [token, score], id =
// position) and the added_tokens list (which wins over the model's entry).
#ifndef MODELGATE_FORENSICS_VOCABULARY_H_
#define MODELGATE_FORENSICS_VOCABULARY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::forensics {

class Vocabulary {
 public:
  // The token with this id, or "" when unknown.
  std::string_view Token(std::uint64_t id) const;
  std::size_t size() const { return tokens_.size(); }
  void Set(std::uint64_t id, std::string token) { tokens_[id] = std::move(token); }

 private:
  std::unordered_map<std::uint64_t, std::string> tokens_;
};

// Parses tokenizer.json text. kCorruption for JSON that does not parse or
// nests deeper than Limits::max_json_depth; a tokenizer.json without a
// vocabulary it knows yields an empty Vocabulary.
Result<Vocabulary> ParseTokenizerJson(std::string_view text, const Limits& limits);

// Reads and parses `path` (at most Limits::max_repo_config_bytes).
Result<Vocabulary> ReadTokenizerJson(const std::string& path, const Limits& limits);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_VOCABULARY_H_
