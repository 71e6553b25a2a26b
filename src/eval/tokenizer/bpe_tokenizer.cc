// BpeTokenizer: the tokenizers library's encoding pipeline over the tables
// read by tokenizer_json.cc (see bpe_tokenizer.h for the steps).
#include "eval/tokenizer/bpe_tokenizer.h"

#include "eval/tokenizer/added_tokens.h"
#include "eval/tokenizer/byte_alphabet.h"
#include "eval/tokenizer/tokenizer_json.h"
#include "eval/tokenizer/unicode_text.h"
#include "modelgate/mapped_file.h"

namespace modelgate::eval {

struct BpeTokenizer::Impl {
  explicit Impl(TokenizerTables t)
      : tables(std::move(t)),
        raw_matcher(Patterns(/*normalized=*/false), tables.added),
        normalized_matcher(Patterns(/*normalized=*/true), tables.added) {
    id_bytes.resize(tables.id_text.size());
    special.assign(tables.id_text.size(), false);
    for (std::size_t id = 0; id < tables.id_text.size(); ++id) {
      // The ByteLevel decoder: a token spelled wholly in the byte alphabet
      // stands for those bytes; any other token (an added token with a
      // space, say) for its own UTF-8.
      const std::string& text = tables.id_text[id];
      if (!AppendFromByteLevel(text, &id_bytes[id])) id_bytes[id] = text;
    }
    for (const AddedToken& a : tables.added) {
      if (a.special) special[static_cast<std::size_t>(a.id)] = true;
      token_ids.emplace(a.content, a.id);
    }
    for (const char* name : {"<|endoftext|>", "</s>", "<|end_of_text|>", "<|im_end|>", "<|eot_id|>"}) {
      if (const auto it = token_ids.find(name); it != token_ids.end()) {
        eos.push_back(it->second);
      } else if (const auto v = tables.model.vocab.find(name); v != tables.model.vocab.end()) {
        eos.push_back(v->second);
      }
    }
  }

  // The text each added token is matched as: its content, NFC-normalised
  // when it is matched in normalised text; "" (never matched) when it
  // belongs to the other pass.
  std::vector<std::string> Patterns(bool normalized) const {
    std::vector<std::string> out;
    for (const AddedToken& a : tables.added) {
      std::string p;
      if (a.normalized == normalized) {
        if (normalized && tables.nfc) {
          AppendNfc(a.content, &p);
        } else {
          p = a.content;
        }
      }
      out.push_back(std::move(p));
    }
    return out;
  }

  void EncodeText(std::string_view text, std::vector<TokenId>* out) const {
    std::vector<std::string> pieces;
    PreTokenize(tables.pre_tokenizer, text, &pieces);
    for (const std::string& piece : pieces) tables.model.Encode(piece, out);
  }

  // Normalises a span of raw text, then splits out the normalised added
  // tokens and encodes the rest.
  void EncodeNormalizedPass(std::string_view raw, std::vector<TokenId>* out) const {
    std::string normalized;
    std::string_view text = raw;
    if (tables.nfc) {
      AppendNfc(raw, &normalized);
      text = normalized;
    }
    std::vector<TextSegment> segments;
    normalized_matcher.Split(text, &segments);
    for (const TextSegment& s : segments) {
      if (s.token >= 0) {
        out->push_back(tables.added[static_cast<std::size_t>(s.token)].id);
      } else {
        EncodeText(text.substr(s.begin, s.end - s.begin), out);
      }
    }
  }

  TokenizerTables tables;
  AddedTokenMatcher raw_matcher;         // tokens with normalized: false
  AddedTokenMatcher normalized_matcher;  // tokens with normalized: true
  std::vector<std::string> id_bytes;
  std::vector<bool> special;
  std::unordered_map<std::string, TokenId> token_ids;  // added tokens by content
  std::vector<TokenId> eos;
};

BpeTokenizer::BpeTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpeTokenizer::~BpeTokenizer() = default;

Result<std::unique_ptr<BpeTokenizer>> BpeTokenizer::FromJson(std::string_view json, const Limits& limits) {
  Result<TokenizerTables> tables = ParseTokenizerJson(json, limits);
  if (!tables.ok()) return tables.status();
  return std::unique_ptr<BpeTokenizer>(new BpeTokenizer(std::make_unique<Impl>(std::move(tables.value()))));
}

Result<std::unique_ptr<BpeTokenizer>> BpeTokenizer::FromFile(const std::string& path, const Limits& limits) {
  Result<std::unique_ptr<MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  // The tables copy what they keep, so the mapping may go once parsed.
  return FromJson(AsStringView(file.value()->bytes()), limits);
}

std::vector<TokenId> BpeTokenizer::Encode(std::string_view text, bool add_bos) const {
  std::vector<TokenId> out;
  if (add_bos && impl_->tables.bos) out.push_back(*impl_->tables.bos);
  std::vector<TextSegment> segments;
  impl_->raw_matcher.Split(text, &segments);
  for (const TextSegment& s : segments) {
    if (s.token >= 0) {
      out.push_back(impl_->tables.added[static_cast<std::size_t>(s.token)].id);
    } else {
      impl_->EncodeNormalizedPass(text.substr(s.begin, s.end - s.begin), &out);
    }
  }
  return out;
}

std::string BpeTokenizer::Decode(std::span<const TokenId> ids, bool skip_special) const {
  std::string out;
  for (const TokenId id : ids) {
    if (id < 0 || static_cast<std::size_t>(id) >= impl_->id_bytes.size()) continue;
    const auto index = static_cast<std::size_t>(id);
    if (!impl_->tables.id_used[index]) continue;
    if (skip_special && impl_->special[index]) continue;
    out.append(impl_->id_bytes[index]);
  }
  return out;
}

std::size_t BpeTokenizer::vocab_size() const { return impl_->tables.id_text.size(); }

std::optional<std::string> BpeTokenizer::TokenText(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= impl_->tables.id_text.size()) return std::nullopt;
  if (!impl_->tables.id_used[static_cast<std::size_t>(id)]) return std::nullopt;
  return impl_->tables.id_text[static_cast<std::size_t>(id)];
}

std::string BpeTokenizer::TokenBytes(TokenId id) const {
  if (!TokenText(id)) return std::string();
  return impl_->id_bytes[static_cast<std::size_t>(id)];
}

std::optional<TokenId> BpeTokenizer::TokenIdOf(std::string_view token_text) const {
  const std::string key(token_text);
  if (const auto it = impl_->token_ids.find(key); it != impl_->token_ids.end()) return it->second;
  if (const auto it = impl_->tables.model.vocab.find(key); it != impl_->tables.model.vocab.end()) return it->second;
  return std::nullopt;
}

bool BpeTokenizer::IsSpecial(TokenId id) const {
  return id >= 0 && static_cast<std::size_t>(id) < impl_->special.size() &&
         impl_->special[static_cast<std::size_t>(id)];
}

std::optional<TokenId> BpeTokenizer::bos_id() const { return impl_->tables.bos; }

const std::vector<TokenId>& BpeTokenizer::eos_ids() const { return impl_->eos; }

}  // namespace modelgate::eval
