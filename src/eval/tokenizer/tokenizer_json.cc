// tokenizer.json: the top level, the BPE model and the added tokens.
//
// The file is untrusted: its size and JSON depth are checked before
// nlohmann builds the document, each count against Limits before the
// tables are filled, and every id and merge is checked against the
// vocabulary, so later encoding never meets an id it cannot resolve.
#include "eval/tokenizer/tokenizer_json.h"

#include "base/json_depth.h"
#include "eval/tokenizer/byte_alphabet.h"

namespace modelgate::eval {

using nlohmann::json;

namespace {

Status ReadVocab(const json& model, const Limits& limits, TokenizerTables* t) {
  const auto it = model.find("vocab");
  if (it == model.end() || !it->is_object()) return Status::Corruption("model.vocab is missing or not an object");
  if (it->size() > limits.max_vocab_size) {
    return Status::LimitExceeded("model.vocab has " + std::to_string(it->size()) + " tokens, over the limit of " +
                                 std::to_string(limits.max_vocab_size));
  }
  t->model.vocab.reserve(it->size());
  for (const auto& [text, value] : it->items()) {
    if (!value.is_number_integer()) return Status::Corruption("model.vocab[\"" + text + "\"] is not an integer id");
    const auto id = value.get<std::int64_t>();
    if (id < 0 || id >= static_cast<std::int64_t>(limits.max_vocab_size)) {
      return Status::Corruption("model.vocab[\"" + text + "\"]: id " + std::to_string(id) + " out of range");
    }
    const auto index = static_cast<std::size_t>(id);
    if (index >= t->id_text.size()) {
      t->id_text.resize(index + 1);
      t->id_used.resize(index + 1, false);
    }
    if (t->id_used[index]) return Status::Corruption("model.vocab: id " + std::to_string(id) + " given twice");
    t->id_used[index] = true;
    t->id_text[index] = text;
    t->model.vocab.emplace(text, static_cast<std::int32_t>(id));
  }
  return Status::Ok();
}

Result<std::int32_t> VocabId(const TokenizerTables& t, const std::string& text, std::size_t merge) {
  const auto it = t.model.vocab.find(text);
  if (it == t.model.vocab.end()) {
    return Status::Corruption("model.merges[" + std::to_string(merge) + "] names \"" + text +
                              "\", which is not in the vocabulary");
  }
  return it->second;
}

Status ReadMerges(const json& model, const Limits& limits, TokenizerTables* t) {
  const auto it = model.find("merges");
  if (it == model.end() || !it->is_array()) return Status::Corruption("model.merges is missing or not an array");
  if (it->size() > limits.max_bpe_merges) {
    return Status::LimitExceeded("model.merges has " + std::to_string(it->size()) + " rules, over the limit of " +
                                 std::to_string(limits.max_bpe_merges));
  }
  t->model.merges.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& m = (*it)[i];
    std::string a;
    std::string b;
    if (m.is_string()) {  // "a b": byte-level spellings never hold a space
      const auto& s = m.get_ref<const std::string&>();
      const std::size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
        return Status::Corruption("model.merges[" + std::to_string(i) + "] is not two tokens separated by a space");
      }
      a = s.substr(0, space);
      b = s.substr(space + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      return Status::Corruption("model.merges[" + std::to_string(i) + "] is neither \"a b\" nor [\"a\", \"b\"]");
    }
    const Result<std::int32_t> left = VocabId(*t, a, i);
    if (!left.ok()) return left.status();
    const Result<std::int32_t> right = VocabId(*t, b, i);
    if (!right.ok()) return right.status();
    const Result<std::int32_t> result = VocabId(*t, a + b, i);
    if (!result.ok()) return result.status();
    const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left.value())) << 32) |
                              static_cast<std::uint32_t>(right.value());
    // A repeated pair takes its last rank, as tokenizers' HashMap collect does.
    t->model.merges[key] = BpeMerge{static_cast<std::uint32_t>(i), result.value()};
  }
  return Status::Ok();
}

Status ReadModel(const json& doc, const Limits& limits, TokenizerTables* t) {
  const auto it = doc.find("model");
  if (it == doc.end() || !it->is_object()) return Status::Corruption("tokenizer.json has no model object");
  const json& model = *it;
  Result<std::string> type = OptionalString(model, "type", "model");
  if (!type.ok()) return type.status();
  if (type.value() != "BPE" && !(type.value().empty() && model.contains("merges"))) {
    return Status::NotSupported("model.type \"" + type.value() + "\": only byte-level BPE is read");
  }
  if (const auto d = model.find("dropout"); d != model.end() && !d->is_null()) {
    if (!d->is_number() || d->get<double>() != 0.0) {
      return Status::NotSupported("model.dropout: BPE dropout makes encoding random");
    }
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    Result<std::string> s = OptionalString(model, key, "model");
    if (!s.ok()) return s.status();
    if (!s.value().empty()) return Status::NotSupported(std::string("model.") + key + " is not used by byte-level BPE");
  }
  Result<bool> byte_fallback = OptionalBool(model, "byte_fallback", false, "model");
  if (!byte_fallback.ok()) return byte_fallback.status();
  if (byte_fallback.value()) return Status::NotSupported("model.byte_fallback (SentencePiece-style BPE)");
  Result<bool> ignore_merges = OptionalBool(model, "ignore_merges", false, "model");
  if (!ignore_merges.ok()) return ignore_merges.status();
  t->model.ignore_merges = ignore_merges.value();
  Result<bool> fuse_unk = OptionalBool(model, "fuse_unk", false, "model");
  if (!fuse_unk.ok()) return fuse_unk.status();
  t->model.fuse_unk = fuse_unk.value();

  MODELGATE_RETURN_IF_ERROR(ReadVocab(model, limits, t));
  MODELGATE_RETURN_IF_ERROR(ReadMerges(model, limits, t));

  Result<std::string> unk = OptionalString(model, "unk_token", "model");
  if (!unk.ok()) return unk.status();
  if (!unk.value().empty()) {
    const auto u = t->model.vocab.find(unk.value());
    if (u == t->model.vocab.end()) return Status::Corruption("model.unk_token is not in the vocabulary");
    t->model.unk_id = u->second;
  }
  for (int b = 0; b < 256; ++b) {
    const char byte = static_cast<char>(b);
    std::string spelled;
    AppendByteLevel(std::string_view(&byte, 1), &spelled);
    const auto v = t->model.vocab.find(spelled);
    t->model.byte_ids[static_cast<std::size_t>(b)] = v == t->model.vocab.end() ? -1 : v->second;
    if (v == t->model.vocab.end() && t->model.unk_id < 0) {
      // Encoding such a byte would have to drop it silently.
      return Status::NotSupported("the vocabulary has no token for byte " + std::to_string(b) +
                                  " and no unk_token: not a byte-level vocabulary");
    }
  }
  return Status::Ok();
}

Status ReadAddedTokens(const json& doc, const Limits& limits, TokenizerTables* t) {
  const auto it = doc.find("added_tokens");
  if (it == doc.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return Status::Corruption("added_tokens is not an array");
  if (it->size() > limits.max_added_tokens) {
    return Status::LimitExceeded("added_tokens has " + std::to_string(it->size()) + " entries, over the limit of " +
                                 std::to_string(limits.max_added_tokens));
  }
  std::vector<bool> added_id(t->id_text.size(), false);
  std::uint64_t total_bytes = 0;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& e = (*it)[i];
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::Corruption(where + " is not an object");
    AddedToken token;
    const auto id = e.find("id");
    if (id == e.end() || !id->is_number_integer()) return Status::Corruption(where + ".id is not an integer");
    const auto value = id->get<std::int64_t>();
    if (value < 0 || value >= static_cast<std::int64_t>(limits.max_vocab_size)) {
      return Status::Corruption(where + ".id " + std::to_string(value) + " out of range");
    }
    token.id = static_cast<std::int32_t>(value);
    Result<std::string> content = OptionalString(e, "content", where);
    if (!content.ok()) return content.status();
    if (content.value().empty()) return Status::Corruption(where + ".content is missing or empty");
    if (content.value().size() > limits.max_added_token_bytes) {
      return Status::LimitExceeded(where + ".content is longer than " + std::to_string(limits.max_added_token_bytes) +
                                   " bytes");
    }
    total_bytes += content.value().size();
    if (total_bytes > limits.max_added_tokens_total_bytes) {
      return Status::LimitExceeded("added_tokens hold more than " +
                                   std::to_string(limits.max_added_tokens_total_bytes) + " bytes of text");
    }
    token.content = std::move(content.value());
    struct Flag {
      const char* key;
      bool* field;
      bool fallback;
    };
    Result<bool> special = OptionalBool(e, "special", false, where);
    if (!special.ok()) return special.status();
    token.special = special.value();
    for (const Flag& f :
         {Flag{"single_word", &token.single_word, false}, Flag{"lstrip", &token.lstrip, false},
          Flag{"rstrip", &token.rstrip, false}, Flag{"normalized", &token.normalized, !token.special}}) {
      Result<bool> v = OptionalBool(e, f.key, f.fallback, where);
      if (!v.ok()) return v.status();
      *f.field = v.value();
    }
    const auto index = static_cast<std::size_t>(token.id);
    if (index >= t->id_text.size()) {
      t->id_text.resize(index + 1);
      t->id_used.resize(index + 1, false);
      added_id.resize(index + 1, false);
    }
    if (added_id[index]) return Status::Corruption(where + ": id " + std::to_string(token.id) + " given twice");
    if (t->id_used[index] && t->id_text[index] != token.content) {
      return Status::Corruption(where + ": id " + std::to_string(token.id) + " is already the vocabulary's \"" +
                                t->id_text[index] + "\"");
    }
    added_id[index] = true;
    t->id_used[index] = true;
    t->id_text[index] = token.content;
    t->added.push_back(std::move(token));
  }
  return Status::Ok();
}

}  // namespace

Result<bool> OptionalBool(const json& obj, const char* key, bool fallback, std::string_view where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return Status::Corruption(std::string(where) + "." + key + " is not a boolean");
  return it->get<bool>();
}

Result<std::string> OptionalString(const json& obj, const char* key, std::string_view where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Status::Corruption(std::string(where) + "." + key + " is not a string");
  return it->get<std::string>();
}

Result<TokenizerTables> ParseTokenizerJson(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_tokenizer_bytes) {
    return Status::LimitExceeded("tokenizer.json of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                                 std::to_string(limits.max_tokenizer_bytes));
  }
  if (JsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
    return Status::LimitExceeded("tokenizer.json nested deeper than " + std::to_string(limits.max_json_depth) +
                                 " levels");
  }
  try {
    const json doc = json::parse(text.begin(), text.end());
    if (!doc.is_object()) return Status::Corruption("tokenizer.json is not a JSON object");
    TokenizerTables t;
    MODELGATE_RETURN_IF_ERROR(ReadModel(doc, limits, &t));
    MODELGATE_RETURN_IF_ERROR(ReadAddedTokens(doc, limits, &t));
    static const json kNull;
    auto member = [&](const char* key) -> const json& {
      const auto it = doc.find(key);
      return it == doc.end() ? kNull : *it;
    };
    MODELGATE_RETURN_IF_ERROR(ReadNormalizer(member("normalizer"), &t));
    MODELGATE_RETURN_IF_ERROR(ReadPreTokenizer(member("pre_tokenizer"), &t));
    MODELGATE_RETURN_IF_ERROR(ReadPostProcessor(member("post_processor"), &t));
    MODELGATE_RETURN_IF_ERROR(ReadDecoder(member("decoder")));
    return t;
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("tokenizer.json: ") + e.what());
  }
}

}  // namespace modelgate::eval
