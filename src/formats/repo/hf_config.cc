// Hugging Face repository JSON readers: see hf_config.h.
#include "formats/repo/hf_config.h"

#include "base/json_depth.h"

namespace modelgate::repo {

using nlohmann::json;

Result<json> ParseJsonBounded(ByteView bytes, const Limits& limits) {
  if (bytes.size() > limits.max_repo_config_bytes) {
    return Status::LimitExceeded("JSON file of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                                 std::to_string(limits.max_repo_config_bytes));
  }
  std::string_view text = AsStringView(bytes);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // json.load refuses a BOM; reported by caller
  if (JsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
    return Status::LimitExceeded("JSON nested deeper than " + std::to_string(limits.max_json_depth) + " levels");
  }
  try {  // caught here: the message locates the error for the finding
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return Status::Corruption(e.what());
  }
}

AutoMapEntry ParseAutoMapReference(std::string key, const std::string& reference) {
  AutoMapEntry e;
  e.key = std::move(key);
  e.reference = reference;
  std::string rest = reference;
  std::size_t dashes = rest.find("--");
  if (dashes != std::string::npos) {
    e.repo = rest.substr(0, dashes);
    rest = rest.substr(dashes + 2);
    if (rest.find("--") != std::string::npos) e.well_formed = false;
  }
  std::size_t dot = rest.find('.');
  if (dot == std::string::npos || rest.find('.', dot + 1) != std::string::npos) e.well_formed = false;
  std::size_t last = rest.rfind('.');
  if (last == std::string::npos) {
    e.module = rest;
  } else {
    e.module = rest.substr(0, last);
    e.class_name = rest.substr(last + 1);
  }
  if (e.module.empty() || e.class_name.empty()) e.well_formed = false;
  return e;
}

std::vector<AutoMapEntry> ReadAutoMap(const json& doc, std::vector<std::string>* problems) {
  std::vector<AutoMapEntry> out;
  if (!doc.is_object()) return out;
  auto it = doc.find("auto_map");
  if (it == doc.end()) return out;
  if (!it->is_object()) {
    problems->push_back("auto_map is a " + std::string(it->type_name()) + ", not an object");
    return out;
  }
  for (auto& [key, value] : it->items()) {
    if (value.is_string()) {
      out.push_back(ParseAutoMapReference(key, value.get<std::string>()));
    } else if (value.is_array()) {
      std::size_t k = 0;
      for (const json& v : value) {
        if (v.is_string()) {
          out.push_back(ParseAutoMapReference(key + "[" + std::to_string(k) + "]", v.get<std::string>()));
        } else if (!v.is_null()) {
          problems->push_back("auto_map." + key + "[" + std::to_string(k) + "] is a " + v.type_name());
        }
        ++k;
      }
    } else {
      problems->push_back("auto_map." + key + " is a " + std::string(value.type_name()));
    }
  }
  return out;
}

std::vector<AutoMapEntry> ReadCustomPipelines(const json& doc) {
  std::vector<AutoMapEntry> out;
  if (!doc.is_object()) return out;
  auto it = doc.find("custom_pipelines");
  if (it == doc.end() || !it->is_object()) return out;
  for (auto& [task, spec] : it->items()) {
    if (!spec.is_object()) continue;
    auto impl = spec.find("impl");
    if (impl != spec.end() && impl->is_string()) out.push_back(ParseAutoMapReference(task, impl->get<std::string>()));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ReadChatTemplates(const json& doc) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!doc.is_object()) return out;
  auto it = doc.find("chat_template");
  if (it == doc.end()) return out;
  if (it->is_string()) {
    out.push_back({"chat_template", it->get<std::string>()});
  } else if (it->is_array()) {
    std::size_t k = 0;
    for (const json& t : *it) {
      if (t.is_object()) {
        auto name = t.find("name");
        auto tmpl = t.find("template");
        std::string n = name != t.end() && name->is_string() ? name->get<std::string>() : std::to_string(k);
        if (tmpl != t.end() && tmpl->is_string()) out.push_back({"chat_template[" + n + "]", tmpl->get<std::string>()});
      }
      ++k;
    }
  }
  return out;
}

std::optional<std::vector<StModule>> ReadStModules(const json& doc) {
  if (!doc.is_array()) return std::nullopt;
  std::vector<StModule> out;
  for (const json& m : doc) {
    if (!m.is_object()) continue;
    StModule s;
    auto get = [&](const char* k) {
      auto it = m.find(k);
      return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    s.name = get("name");
    s.path = get("path");
    s.type = get("type");
    out.push_back(std::move(s));
  }
  return out;
}

DiffusersIndex ReadDiffusersIndex(const json& doc) {
  DiffusersIndex out;
  if (!doc.is_object()) return out;
  for (auto& [key, value] : doc.items()) {
    if (key == "_class_name") {
      if (value.is_string()) {
        out.pipeline_class = value.get<std::string>();
      } else if (value.is_array() && value.size() == 2 && value[0].is_string() && value[1].is_string()) {
        out.pipeline_module = value[0].get<std::string>();
        out.pipeline_class = value[1].get<std::string>();
      }
      continue;
    }
    if (!key.empty() && key[0] == '_') continue;
    if (value.is_array() && value.size() == 2) {
      DiffusersComponent c;
      c.name = key;
      c.library = value[0].is_string() ? value[0].get<std::string>() : "";
      c.class_name = value[1].is_string() ? value[1].get<std::string>() : "";
      out.components.push_back(std::move(c));
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ReadWeightMap(const json& doc) {
  if (!doc.is_object()) return std::nullopt;
  auto it = doc.find("weight_map");
  if (it == doc.end() || !it->is_object()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [tensor, file] : it->items()) {
    out.push_back({tensor, file.is_string() ? file.get<std::string>() : std::string("<") + file.type_name() + ">"});
  }
  return out;
}

}  // namespace modelgate::repo
