// tokenizer.json: normalizer, pre_tokenizer, post_processor and decoder.
//
// Only the shapes the GPT-2, Llama 3 and Qwen2 tokenizers ship are read;
// each section names what it refuses. Sequences are read one level deep (a
// nested Sequence is refused), so nothing here recurses over the document.
#include "eval/tokenizer/tokenizer_json.h"

namespace modelgate::eval {

using nlohmann::json;

namespace {

Result<std::string> TypeOf(const json& value, std::string_view where) {
  if (!value.is_object()) return Status::Corruption(std::string(where) + " is not an object");
  Result<std::string> type = OptionalString(value, "type", where);
  if (!type.ok()) return type.status();
  if (type.value().empty()) return Status::Corruption(std::string(where) + " has no type");
  return type;
}

// The elements of a Sequence's `key` array, or the value itself.
Result<std::vector<const json*>> Flatten(const json& value, const char* key, std::string_view where) {
  Result<std::string> type = TypeOf(value, where);
  if (!type.ok()) return type.status();
  std::vector<const json*> out;
  if (type.value() != "Sequence") {
    out.push_back(&value);
    return out;
  }
  const auto it = value.find(key);
  if (it == value.end() || !it->is_array()) {
    return Status::Corruption(std::string(where) + "." + key + " is missing or not an array");
  }
  for (const json& e : *it) {
    Result<std::string> inner = TypeOf(e, where);
    if (!inner.ok()) return inner.status();
    if (inner.value() == "Sequence") return Status::NotSupported(std::string(where) + ": nested Sequence");
    out.push_back(&e);
  }
  return out;
}

Status ReadSplit(const json& split, PreTokenizerStep* step) {
  step->kind = PreTokenizerStep::Kind::kSplit;
  const auto pattern = split.find("pattern");
  if (pattern == split.end() || !pattern->is_object()) {
    return Status::Corruption("pre_tokenizer Split.pattern is missing or not an object");
  }
  const auto regex = pattern->find("Regex");
  if (regex == pattern->end() || !regex->is_string()) {
    return Status::NotSupported("pre_tokenizer Split: only Regex patterns are read");
  }
  const auto known = RecognizeSplitPattern(regex->get_ref<const std::string&>());
  if (!known) {
    return Status::NotSupported("pre_tokenizer Split regex is not GPT-2's, Llama 3's or Qwen2's: " +
                                regex->get<std::string>().substr(0, 200));
  }
  step->pattern = *known;
  Result<std::string> behavior = OptionalString(split, "behavior", "pre_tokenizer Split");
  if (!behavior.ok()) return behavior.status();
  if (behavior.value() == "Removed") {
    step->remove_matches = true;
  } else if (behavior.value() != "Isolated") {
    return Status::NotSupported("pre_tokenizer Split behavior \"" + behavior.value() + "\"");
  }
  Result<bool> invert = OptionalBool(split, "invert", false, "pre_tokenizer Split");
  if (!invert.ok()) return invert.status();
  if (invert.value()) return Status::NotSupported("pre_tokenizer Split with invert");
  return Status::Ok();
}

// TemplateProcessing: the single-sequence template must be [$A] or
// [special, $A]; the special token is the BOS.
Status ReadTemplate(const json& tp, TokenizerTables* t) {
  const auto single = tp.find("single");
  if (single == tp.end() || !single->is_array()) {
    return Status::Corruption("post_processor TemplateProcessing.single is missing or not an array");
  }
  std::vector<std::string> before;
  bool seen_sequence = false;
  for (const json& piece : *single) {
    if (!piece.is_object()) return Status::Corruption("post_processor template piece is not an object");
    if (const auto s = piece.find("SpecialToken"); s != piece.end()) {
      if (seen_sequence) return Status::NotSupported("post_processor template adds tokens after the text");
      Result<std::string> name = OptionalString(*s, "id", "post_processor SpecialToken");
      if (!name.ok()) return name.status();
      before.push_back(name.value());
    } else if (piece.contains("Sequence")) {
      seen_sequence = true;
    } else {
      return Status::Corruption("post_processor template piece is neither SpecialToken nor Sequence");
    }
  }
  if (before.size() > 1) return Status::NotSupported("post_processor template adds more than one leading token");
  if (before.empty()) return Status::Ok();
  const auto specials = tp.find("special_tokens");
  const json* entry = nullptr;
  if (specials != tp.end() && specials->is_object()) {
    if (const auto e = specials->find(before[0]); e != specials->end()) entry = &*e;
  }
  if (entry == nullptr || !entry->is_object()) {
    return Status::Corruption("post_processor special_tokens has no entry for \"" + before[0] + "\"");
  }
  const auto ids = entry->find("ids");
  if (ids == entry->end() || !ids->is_array() || ids->size() != 1 || !(*ids)[0].is_number_integer()) {
    return Status::NotSupported("post_processor special token \"" + before[0] + "\" is not exactly one id");
  }
  const auto id = (*ids)[0].get<std::int64_t>();
  if (id < 0 || id >= static_cast<std::int64_t>(t->id_used.size()) || !t->id_used[static_cast<std::size_t>(id)]) {
    return Status::Corruption("post_processor special token \"" + before[0] + "\" has unknown id " +
                              std::to_string(id));
  }
  t->bos = static_cast<std::int32_t>(id);
  return Status::Ok();
}

}  // namespace

Status ReadNormalizer(const json& value, TokenizerTables* tables) {
  if (value.is_null()) return Status::Ok();
  Result<std::vector<const json*>> steps = Flatten(value, "normalizers", "normalizer");
  if (!steps.ok()) return steps.status();
  for (const json* step : steps.value()) {
    const std::string type = (*step)["type"].get<std::string>();
    if (type != "NFC") return Status::NotSupported("normalizer " + type + ": only NFC (or none) is read");
    tables->nfc = true;
  }
  return Status::Ok();
}

Status ReadPreTokenizer(const json& value, TokenizerTables* tables) {
  if (value.is_null()) return Status::NotSupported("no pre_tokenizer: not a byte-level BPE tokenizer");
  Result<std::vector<const json*>> steps = Flatten(value, "pretokenizers", "pre_tokenizer");
  if (!steps.ok()) return steps.status();
  bool byte_level = false;
  for (const json* step : steps.value()) {
    const std::string type = (*step)["type"].get<std::string>();
    // ByteLevel maps text to its alphabet; a step after it would see that
    // alphabet, which none of the family does.
    if (byte_level) return Status::NotSupported("pre_tokenizer step " + type + " after ByteLevel");
    PreTokenizerStep s;
    if (type == "ByteLevel") {
      byte_level = true;
      s.kind = PreTokenizerStep::Kind::kByteLevel;
      Result<bool> prefix = OptionalBool(*step, "add_prefix_space", true, "pre_tokenizer ByteLevel");
      if (!prefix.ok()) return prefix.status();
      Result<bool> regex = OptionalBool(*step, "use_regex", true, "pre_tokenizer ByteLevel");
      if (!regex.ok()) return regex.status();
      s.add_prefix_space = prefix.value();
      s.use_regex = regex.value();
    } else if (type == "Split") {
      MODELGATE_RETURN_IF_ERROR(ReadSplit(*step, &s));
    } else {
      return Status::NotSupported("pre_tokenizer " + type + ": only Split and ByteLevel are read");
    }
    tables->pre_tokenizer.push_back(s);
  }
  if (!byte_level) return Status::NotSupported("pre_tokenizer has no ByteLevel step: not a byte-level tokenizer");
  return Status::Ok();
}

Status ReadPostProcessor(const json& value, TokenizerTables* tables) {
  if (value.is_null()) return Status::Ok();
  Result<std::vector<const json*>> steps = Flatten(value, "processors", "post_processor");
  if (!steps.ok()) return steps.status();
  for (const json* step : steps.value()) {
    const std::string type = (*step)["type"].get<std::string>();
    if (type == "TemplateProcessing") {
      MODELGATE_RETURN_IF_ERROR(ReadTemplate(*step, tables));
    } else if (type != "ByteLevel") {  // ByteLevel only trims offsets
      return Status::NotSupported("post_processor " + type + ": only ByteLevel and TemplateProcessing are read");
    }
  }
  return Status::Ok();
}

Status ReadDecoder(const json& value) {
  if (value.is_null()) return Status::NotSupported("no decoder: byte-level tokens would not decode to text");
  Result<std::string> type = TypeOf(value, "decoder");
  if (!type.ok()) return type.status();
  if (type.value() != "ByteLevel") return Status::NotSupported("decoder " + type.value() + ": only ByteLevel is read");
  return Status::Ok();
}

}  // namespace modelgate::eval
