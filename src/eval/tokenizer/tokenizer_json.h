// Reads a Hugging Face tokenizer.json into the tables of a byte-level BPE
// tokenizer, refusing everything outside the GPT-2 / Llama 3 / Qwen2 family
// (docs/eval/tokenizer.md lists what is read and what is refused).
#ifndef MODELGATE_EVAL_TOKENIZER_TOKENIZER_JSON_H_
#define MODELGATE_EVAL_TOKENIZER_TOKENIZER_JSON_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/tokenizer/added_tokens.h"
#include "eval/tokenizer/bpe_model.h"
#include "eval/tokenizer/pre_tokenizer.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct TokenizerTables {
  BpeModel model;
  std::vector<std::string> id_text;  // spelling of each id ("" for an unused id)
  std::vector<bool> id_used;
  std::vector<AddedToken> added;  // in file order
  bool nfc = false;               // normalizer NFC (else none)
  std::vector<PreTokenizerStep> pre_tokenizer;
  std::optional<std::int32_t> bos;  // TemplateProcessing's leading special token
};

// Parses `json` (untrusted). kLimitExceeded past the size, depth, vocabulary,
// merge and added-token limits; kCorruption for malformed JSON and
// inconsistent tables (a merge naming an unknown token, duplicate or out of
// range ids); kNotSupported for tokenizers outside the family.
Result<TokenizerTables> ParseTokenizerJson(std::string_view json, const Limits& limits);

// The pipeline sections (tokenizer_pipeline_json.cc). Each takes the
// member's value (null when absent) and fills *tables.
Status ReadNormalizer(const nlohmann::json& value, TokenizerTables* tables);
Status ReadPreTokenizer(const nlohmann::json& value, TokenizerTables* tables);
// REQUIRES: the vocabulary and added tokens are read (ids are checked).
Status ReadPostProcessor(const nlohmann::json& value, TokenizerTables* tables);
Status ReadDecoder(const nlohmann::json& value);

// Helpers shared by the readers: `obj[key]` when it is a boolean / string,
// `fallback` when absent or null, an error naming `where` otherwise.
Result<bool> OptionalBool(const nlohmann::json& obj, const char* key, bool fallback, std::string_view where);
Result<std::string> OptionalString(const nlohmann::json& obj, const char* key, std::string_view where);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_TOKENIZER_TOKENIZER_JSON_H_
