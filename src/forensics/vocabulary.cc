#include "forensics/vocabulary.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/json_depth.h"

namespace modelgate::forensics {

std::string_view Vocabulary::Token(std::uint64_t id) const {
  auto it = tokens_.find(id);
  return it == tokens_.end() ? std::string_view() : std::string_view(it->second);
}

Result<Vocabulary> ParseTokenizerJson(std::string_view text, const Limits& limits) {
  if (JsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
    return Status::Corruption("tokenizer.json nests deeper than " + std::to_string(limits.max_json_depth));
  }
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Corruption("tokenizer.json is not a JSON object");
  Vocabulary vocab;
  auto model = doc.find("model");
  if (model != doc.end() && model->is_object()) {
    auto v = model->find("vocab");
    if (v != model->end() && v->is_object()) {
      for (const auto& [token, id] : v->items()) {
        if (id.is_number_unsigned()) vocab.Set(id.get<std::uint64_t>(), token);
      }
    } else if (v != model->end() && v->is_array()) {  // Unigram: [[token, score], ...]
      std::uint64_t id = 0;
      for (const auto& entry : *v) {
        if (entry.is_array() && !entry.empty() && entry[0].is_string()) vocab.Set(id, entry[0].get<std::string>());
        ++id;
      }
    }
  }
  auto added = doc.find("added_tokens");
  if (added != doc.end() && added->is_array()) {
    for (const auto& t : *added) {
      if (!t.is_object()) continue;
      auto id = t.find("id");
      auto content = t.find("content");
      if (id != t.end() && id->is_number_unsigned() && content != t.end() && content->is_string()) {
        vocab.Set(id->get<std::uint64_t>(), content->get<std::string>());
      }
    }
  }
  return vocab;
}

Result<Vocabulary> ReadTokenizerJson(const std::string& path, const Limits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || static_cast<std::uint64_t>(size) > limits.max_repo_config_bytes) {
    return Status::LimitExceeded(path + ": larger than " + std::to_string(limits.max_repo_config_bytes) + " bytes");
  }
  in.seekg(0);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), size);
  if (!in) return Status::IOError("cannot read " + path);
  return ParseTokenizerJson(text, limits);
}

}  // namespace modelgate::forensics
