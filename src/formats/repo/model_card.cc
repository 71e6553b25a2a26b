// Model card front matter: see model_card.h. One pass over the lines with a
// small indentation stack; nothing recurses.
#include "formats/repo/model_card.h"

#include <algorithm>

namespace modelgate::repo {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Removes a `#` comment that is outside quotes and preceded by a space.
std::string_view StripComment(std::string_view s) {
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      if (i == 0 || s[i - 1] == ' ' || s[i - 1] == '[' || s[i - 1] == ',' || s[i - 1] == ':') quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::string Unquote(std::string_view v) {
  v = Trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\\' && i + 2 < v.size()) {
        char e = v[++i];
        out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
      } else {
        out.push_back(v[i]);
      }
    }
    return out;
  }
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      out.push_back(v[i]);
      if (v[i] == '\'' && i + 2 < v.size() && v[i + 1] == '\'') ++i;
    }
    return out;
  }
  return std::string(v);
}

// Splits a flow list "[a, 'b', c]" into items.
std::vector<std::string> FlowList(std::string_view v) {
  std::vector<std::string> out;
  v = Trim(v);
  v = v.substr(1, v.size() >= 2 ? v.size() - 2 : 0);
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= v.size(); ++i) {
    if (i < v.size() && quote) {
      if (v[i] == quote) quote = 0;
      continue;
    }
    if (i < v.size() && (v[i] == '"' || v[i] == '\'')) {
      quote = v[i];
      continue;
    }
    if (i == v.size() || v[i] == ',') {
      std::string item = Unquote(v.substr(start, i - start));
      if (!item.empty()) out.push_back(item);
      start = i + 1;
    }
  }
  return out;
}

// Finds "key: value" (or "key:" at end). Returns false when the line is not a mapping entry.
bool SplitKey(std::string_view line, std::string* key, std::string_view* value) {
  std::size_t colon = std::string_view::npos;
  if (!line.empty() && (line[0] == '"' || line[0] == '\'')) {
    std::size_t close = line.find(line[0], 1);
    if (close == std::string_view::npos) return false;
    colon = close + 1 < line.size() && line[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == ':' && (i + 1 == line.size() || line[i + 1] == ' ')) {
        colon = i;
        break;
      }
    }
  }
  if (colon == std::string_view::npos || colon == 0) return false;
  *key = Unquote(line.substr(0, colon));
  *value = Trim(line.substr(colon + 1));
  return true;
}

bool IsListKey(const std::string& k) {
  return k == "base_model" || k == "datasets" || k == "tags" || k == "language" || k == "metrics";
}

void AddListItem(ModelCard& c, const std::string& key, const std::string& item) {
  if (item.empty()) return;
  std::vector<std::string>* list = key == "base_model" ? &c.base_models
                                   : key == "datasets" ? &c.datasets
                                   : key == "tags" ? &c.tags
                                   : key == "language" ? &c.languages
                                   : key == "metrics" ? &c.metrics : nullptr;
  if (list && list->size() < 1000) list->push_back(item);
}

void AssignScalar(ModelCard& c, const std::string& key, const std::string& v) {
  if (IsListKey(key)) {
    AddListItem(c, key, v);
  } else if (key == "license") {
    c.license = v;
  } else if (key == "license_name") {
    c.license_name = v;
  } else if (key == "license_link") {
    c.license_link = v;
  } else if (key == "pipeline_tag") {
    c.pipeline_tag = v;
  } else if (key == "library_name") {
    c.library_name = v;
  } else if (key == "model_name") {
    c.model_name = v;
  } else if (key == "base_model_relation") {
    c.base_model_relation = v;
  } else if (c.other.size() < 200) {
    c.other.push_back({key, v});
  }
}

}  // namespace

ModelCard ReadModelCard(std::string_view text, const Limits& limits) {
  ModelCard card;
  std::size_t base = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") base = 3;
  std::string_view rest = text.substr(base);
  std::size_t eol = rest.find('\n');
  if (Trim(rest.substr(0, eol)) != "---" || eol == std::string_view::npos) return card;
  card.has_front_matter = true;
  std::size_t pos = base + eol + 1;
  std::string top_key;          // current top-level key awaiting a block value
  std::string sub_key;          // current second-level key
  std::size_t sub_indent = 0;
  bool in_block_scalar = false;
  std::size_t block_indent = 0;
  std::size_t dataset_indent = std::string::npos;  // inside model-index ... dataset:
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    if (pos - base > limits.max_model_card_header_bytes) {
      card.too_large = true;
      break;
    }
    if (Trim(raw) == "---" || Trim(raw) == "...") {
      card.terminated = true;
      card.body_offset = std::min(pos, text.size());
      break;
    }
    std::size_t indent = 0;
    while (indent < raw.size() && raw[indent] == ' ') ++indent;
    std::string_view line = Trim(StripComment(raw));
    if (line.empty()) continue;
    if (in_block_scalar) {
      if (indent > block_indent) {
        ++card.unparsed_lines;
        continue;
      }
      in_block_scalar = false;
    }
    if (indent < raw.size() && raw[indent] == '\t') {
      ++card.unparsed_lines;
      continue;
    }
    // Block sequences may sit at the key's own indentation ("tags:\n- a").
    bool top_item = indent == 0 && line[0] == '-' && (line.size() == 1 || line[1] == ' ') && !top_key.empty();
    if (indent == 0 && !top_item) {
      sub_key.clear();
      dataset_indent = std::string::npos;
      std::string key;
      std::string_view value;
      if (line[0] == '-' || !SplitKey(line, &key, &value)) {
        ++card.unparsed_lines;
        top_key.clear();
        continue;
      }
      top_key.clear();
      if (key == "model-index") card.has_model_index = true;
      if (value.empty()) {
        top_key = key;
      } else if (value[0] == '|' || value[0] == '>') {
        in_block_scalar = true;
        block_indent = 0;
      } else if (value[0] == '&' || value[0] == '*' || value[0] == '!' || value[0] == '{') {
        ++card.unparsed_lines;
      } else if (value[0] == '[') {
        for (const std::string& item : FlowList(value)) AddListItem(card, key, item);
        if (!IsListKey(key) && card.other.size() < 200) card.other.push_back({key, std::string(value)});
      } else {
        AssignScalar(card, key, Unquote(value));
      }
      continue;
    }
    if (top_key.empty()) {
      ++card.unparsed_lines;
      continue;
    }
    bool item = line[0] == '-' && (line.size() == 1 || line[1] == ' ');
    std::string_view body = item ? Trim(line.substr(1)) : line;
    std::string key;
    std::string_view value;
    bool is_entry = SplitKey(body, &key, &value);
    if (top_key == "model-index") {
      // Walked for counts only: results are `value:` entries, datasets sit under `dataset:`.
      if (dataset_indent != std::string::npos && indent <= dataset_indent) dataset_indent = std::string::npos;
      if (!is_entry) continue;
      if (key == "value") ++card.model_index_results;
      if (key == "dataset" && value.empty()) dataset_indent = indent;
      if (key == "name" && indent <= 2 && card.model_name.empty()) card.model_name = Unquote(value);
      if (dataset_indent != std::string::npos && indent > dataset_indent && (key == "name" || key == "type") &&
          card.model_index_datasets.size() < 32) {
        std::string d = Unquote(value);
        bool dup = false;
        for (const auto& x : card.model_index_datasets) dup |= x == d;
        if (!dup) card.model_index_datasets.push_back(d);
      }
      continue;
    }
    if (item && !is_entry) {
      if (!sub_key.empty() && indent > sub_indent) {
        if (card.other.size() < 200) card.other.push_back({top_key + "." + sub_key, Unquote(body)});
      } else if (IsListKey(top_key)) {
        AddListItem(card, top_key, Unquote(body));
      } else if (card.other.size() < 200) {
        card.other.push_back({top_key, Unquote(body)});
      }
      continue;
    }
    if (!is_entry) {
      ++card.unparsed_lines;
      continue;
    }
    if (!value.empty() && (value[0] == '|' || value[0] == '>')) {
      in_block_scalar = true;
      block_indent = indent;
      continue;
    }
    // Nested maps one or two levels below the top; deeper entries are counted, not kept.
    if (sub_key.empty() || indent <= sub_indent || item) {
      if (value.empty()) {
        sub_key = key;
        sub_indent = indent;
      } else if (card.other.size() < 200) {
        card.other.push_back({top_key + "." + key, Unquote(value)});
      }
    } else if (indent > sub_indent) {
      if (!value.empty() && card.other.size() < 200) {
        card.other.push_back({top_key + "." + sub_key + "." + key, Unquote(value)});
      } else {
        ++card.unparsed_lines;
      }
    }
  }
  return card;
}

}  // namespace modelgate::repo
