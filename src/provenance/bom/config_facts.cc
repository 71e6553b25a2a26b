// config.json facts: the architecture a transformers loader would build.
// Parsed by the repository reader's bounded JSON parser (depth measured
// first); only named fields of the expected type are taken.
#include <string>
#include <utility>

#include "formats/repo/hf_config.h"
#include "provenance/bom/model_facts.h"

namespace modelgate::provenance::bom {
namespace {

constexpr std::size_t kMaxValue = 256;
constexpr std::size_t kMaxArchitectures = 16;

std::string Clip(const std::string& s) { return s.size() <= kMaxValue ? s : s.substr(0, kMaxValue) + "..."; }

// transformers field names, each with the aliases older configs use.
struct SizeField {
  const char* name;
  const char* aliases[3];
};
constexpr SizeField kSizeFields[] = {
    {"hidden_size", {"n_embd", "d_model", nullptr}},
    {"num_hidden_layers", {"n_layer", "num_layers", nullptr}},
    {"num_attention_heads", {"n_head", "num_heads", nullptr}},
    {"vocab_size", {nullptr, nullptr, nullptr}},
    {"max_position_embeddings", {"n_positions", "n_ctx", nullptr}},
    {"intermediate_size", {"n_inner", "d_ff", nullptr}},
};

}  // namespace

ConfigFacts ReadConfigFacts(ByteView bytes, const Limits& limits) {
  ConfigFacts facts;
  facts.present = true;
  Result<nlohmann::json> parsed = repo::ParseJsonBounded(bytes, limits);
  if (!parsed.ok()) {
    facts.error = parsed.status().message();
    return facts;
  }
  const nlohmann::json& doc = parsed.value();
  if (!doc.is_object()) {
    facts.error = "config.json is not a JSON object";
    return facts;
  }
  if (auto it = doc.find("architectures"); it != doc.end() && it->is_array()) {
    for (const nlohmann::json& a : *it) {
      if (facts.architectures.size() >= kMaxArchitectures) break;
      if (a.is_string()) facts.architectures.push_back(Clip(a.get<std::string>()));
    }
  }
  if (auto it = doc.find("model_type"); it != doc.end() && it->is_string()) facts.model_type = Clip(it->get<std::string>());
  if (auto it = doc.find("torch_dtype"); it != doc.end() && it->is_string()) facts.torch_dtype = Clip(it->get<std::string>());
  for (const SizeField& field : kSizeFields) {
    auto it = doc.find(field.name);
    for (const char* alias : field.aliases) {
      if (it != doc.end() && it->is_number_unsigned()) break;
      if (alias == nullptr) break;
      it = doc.find(alias);
    }
    if (it != doc.end() && it->is_number_unsigned()) {
      facts.sizes.emplace_back(field.name, std::to_string(it->get<std::uint64_t>()));
    }
  }
  return facts;
}

}  // namespace modelgate::provenance::bom
