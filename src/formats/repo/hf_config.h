// Readers for the JSON files Hugging Face loaders open by name:
// config.json, tokenizer_config.json, processor configs (auto_map,
// custom_pipelines, chat_template), sentence-transformers modules.json,
// diffusers model_index.json and sharded-weight index files.
//
// Every reader takes bytes, parses strict JSON (RFC 8259, as Python's json
// module reads it, minus NaN/Infinity which json.load accepts: those make
// the parse fail and the caller reports it) after an explicit nesting-depth
// scan (nlohmann recurses per level, so depth is bounded before parsing),
// and returns what it saw. Nothing here decides what is dangerous.
// Thread-safe; no exceptions escape.
#ifndef MODELGATE_FORMATS_REPO_HF_CONFIG_H_
#define MODELGATE_FORMATS_REPO_HF_CONFIG_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::repo {

// Parses `bytes` as one JSON document. Fails with kLimitExceeded when larger
// than limits.max_repo_config_bytes or nested deeper than
// limits.max_json_depth, kCorruption when not valid JSON (the message says
// where). Duplicate object keys: nlohmann keeps the last, as Python does.
Result<nlohmann::json> ParseJsonBounded(ByteView bytes, const Limits& limits);

// One auto_map reference: "module.Class" or "org/repo--module.Class".
struct AutoMapEntry {
  std::string key;         // "AutoModel", "AutoTokenizer[0]" ...
  std::string reference;   // the value as written
  std::string repo;        // "org/repo" when the reference names another repository, else ""
  std::string module;      // "modeling_x" (file modeling_x.py)
  std::string class_name;  // "XModel"
  bool well_formed = true; // exactly one '.' between module and class, both non-empty
};

// auto_map of config.json / tokenizer_config.json / processor configs. Values
// are strings or, for tokenizers, [slow, fast] lists (null entries skipped).
// `problems` receives descriptions of entries that are neither.
std::vector<AutoMapEntry> ReadAutoMap(const nlohmann::json& doc, std::vector<std::string>* problems);

// Splits one reference as transformers' get_class_from_dynamic_module does.
AutoMapEntry ParseAutoMapReference(std::string key, const std::string& reference);

// custom_pipelines of config.json: task -> "impl" reference.
std::vector<AutoMapEntry> ReadCustomPipelines(const nlohmann::json& doc);

// chat_template of tokenizer_config.json: a string, or a list of
// {"name", "template"} objects. Returns (where, template) pairs, where is
// "chat_template" or "chat_template[name]".
std::vector<std::pair<std::string, std::string>> ReadChatTemplates(const nlohmann::json& doc);

// sentence-transformers modules.json: a list of {idx, name, path, type}.
struct StModule {
  std::string name, path, type;
};
std::optional<std::vector<StModule>> ReadStModules(const nlohmann::json& doc);

// diffusers model_index.json: "component": [library, class] entries and the
// pipeline class (_class_name, a string or [module, class]).
struct DiffusersComponent {
  std::string name, library, class_name;
};
struct DiffusersIndex {
  std::string pipeline_class;
  std::string pipeline_module;  // set when _class_name is [module, class]
  std::vector<DiffusersComponent> components;
};
DiffusersIndex ReadDiffusersIndex(const nlohmann::json& doc);

// weight_map of a sharded-weight index: tensor name -> file name, in file
// order. nullopt when there is no weight_map object.
std::optional<std::vector<std::pair<std::string, std::string>>> ReadWeightMap(const nlohmann::json& doc);

}  // namespace modelgate::repo

#endif  // MODELGATE_FORMATS_REPO_HF_CONFIG_H_
