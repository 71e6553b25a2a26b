// BpeTokenizer: the byte-level BPE tokenizers of GPT-2, Llama 3 and Qwen2,
// read from a Hugging Face `tokenizer.json` (docs/eval/tokenizer.md).
//
// Encoding follows the `tokenizers` library step by step, because token ids
// must be exactly the ones the model was trained on:
//   1. added tokens (special or not) are split out first, longest match, with
//      their single_word / lstrip / rstrip flags;
//   2. the pre-tokenizer splits the rest: ByteLevel (GPT-2's regex, optional
//      add_prefix_space), or a Sequence of Split (a regex, behaviour
//      Isolated/Removed/...) and ByteLevel(use_regex=false), as Llama 3 and
//      Qwen2 ship;
//   3. each piece is mapped to GPT-2's byte-to-unicode alphabet and merged
//      by rank with the BPE `merges` (either "a b" strings or ["a", "b"]
//      pairs), with `ignore_merges` honoured;
//   4. the post-processor's BOS is added only when asked.
// Decoding maps ids back through the byte alphabet (ByteLevel decoder);
// invalid UTF-8 is kept as bytes.
//
// Anything outside this family (WordPiece, Unigram, normalizers other than
// NFC / none, unknown pre-tokenizers) is kNotSupported, never approximated.
//
// Thread-safety: const methods may be called concurrently.
#ifndef MODELGATE_EVAL_TOKENIZER_BPE_TOKENIZER_H_
#define MODELGATE_EVAL_TOKENIZER_BPE_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

using TokenId = std::int32_t;

class BpeTokenizer {
 public:
  // Parses tokenizer.json text. Returns kCorruption for malformed JSON or
  // inconsistent tables (a merge naming an unknown token, duplicate ids),
  // kNotSupported for other tokenizer families, kLimitExceeded past
  // limits.max_tokenizer_bytes / max_vocab_size / max_bpe_merges /
  // max_added_tokens.
  static Result<std::unique_ptr<BpeTokenizer>> FromJson(std::string_view json, const Limits& limits);
  static Result<std::unique_ptr<BpeTokenizer>> FromFile(const std::string& path, const Limits& limits);

  ~BpeTokenizer();
  BpeTokenizer(const BpeTokenizer&) = delete;  // holds large tables
  BpeTokenizer& operator=(const BpeTokenizer&) = delete;

  // Token ids for `text`. Added tokens written in `text` are recognised
  // (as the tokenizers library does by default). `add_bos` prepends the
  // post-processor's BOS token when there is one.
  std::vector<TokenId> Encode(std::string_view text, bool add_bos = false) const;
  // Text of `ids`; `skip_special` drops special added tokens. Unknown ids
  // are skipped.
  std::string Decode(std::span<const TokenId> ids, bool skip_special = false) const;

  std::size_t vocab_size() const;  // model vocabulary plus added tokens (max id + 1)
  // The token's text as the vocabulary spells it (byte-level alphabet for
  // model tokens), or nullopt for an unknown id.
  std::optional<std::string> TokenText(TokenId id) const;
  // The raw bytes a single token decodes to.
  std::string TokenBytes(TokenId id) const;
  std::optional<TokenId> TokenIdOf(std::string_view token_text) const;
  bool IsSpecial(TokenId id) const;
  std::optional<TokenId> bos_id() const;
  // End-of-text ids: "<|endoftext|>", "</s>", "<|end_of_text|>", "<|im_end|>",
  // "<|eot_id|>" when present; generation stops at any of them (a model's
  // config.json / generation_config.json may add more).
  const std::vector<TokenId>& eos_ids() const;

 private:
  struct Impl;
  explicit BpeTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_TOKENIZER_BPE_TOKENIZER_H_
