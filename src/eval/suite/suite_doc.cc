// DocNode conversion: see suite_doc.h. Recursion is bounded by max_depth,
// which the pre-scans (ScanYaml, JsonDepth) already enforced on the text.
#include "eval/suite/suite_doc.h"

#include <nlohmann/json.hpp>
#include <fmt/format.h>

namespace modelgate::eval {
namespace {

Status TooDeep(const std::string& source, std::size_t line, std::size_t max_depth) {
  return Status::LimitExceeded(fmt::format("{}:{}: nesting deeper than {} levels", source, line, max_depth));
}

Status FromYaml(const YAML::Node& node, const std::string& source, std::size_t first_line, std::size_t depth,
                std::size_t max_depth, DocNode* out) {
  const YAML::Mark mark = node.Mark();
  out->line = mark.is_null() ? first_line : static_cast<std::size_t>(mark.line) + first_line;
  if (depth > max_depth) return TooDeep(source, out->line, max_depth);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out->kind = DocNode::Kind::kNull;
      return Status::Ok();
    case YAML::NodeType::Scalar:
      out->kind = DocNode::Kind::kScalar;
      out->scalar = node.Scalar();
      // yaml-cpp tags quoted scalars "!" and plain ones "?".
      out->scalar_type = node.Tag() == "!" ? DocNode::ScalarType::kString : DocNode::ScalarType::kAny;
      return Status::Ok();
    case YAML::NodeType::Sequence:
      out->kind = DocNode::Kind::kList;
      out->items.reserve(node.size());
      for (const YAML::Node& item : node) {
        out->items.emplace_back();
        MODELGATE_RETURN_IF_ERROR(FromYaml(item, source, first_line, depth + 1, max_depth, &out->items.back()));
      }
      return Status::Ok();
    case YAML::NodeType::Map:
      out->kind = DocNode::Kind::kMap;
      for (const auto& kv : node) {
        const std::size_t key_line =
            kv.first.Mark().is_null() ? out->line : static_cast<std::size_t>(kv.first.Mark().line) + first_line;
        if (!kv.first.IsScalar()) {
          return Status::Corruption(fmt::format("{}:{}: mapping keys must be plain text", source, key_line));
        }
        const std::string key = kv.first.Scalar();
        if (out->Find(key) != nullptr) {
          return Status::Corruption(fmt::format("{}:{}: duplicate key '{}'", source, key_line, key));
        }
        out->keys.push_back(key);
        out->values.emplace_back();
        MODELGATE_RETURN_IF_ERROR(
            FromYaml(kv.second, source, first_line, depth + 1, max_depth, &out->values.back()));
      }
      return Status::Ok();
  }
  return Status::Corruption(fmt::format("{}:{}: unreadable YAML node", source, out->line));
}

Status FromJson(const nlohmann::json& value, const std::string& source, std::size_t line, std::size_t depth,
                std::size_t max_depth, DocNode* out) {
  out->line = line;
  if (depth > max_depth) return TooDeep(source, line, max_depth);
  if (value.is_null()) {
    out->kind = DocNode::Kind::kNull;
  } else if (value.is_string()) {
    out->kind = DocNode::Kind::kScalar;
    out->scalar_type = DocNode::ScalarType::kString;
    out->scalar = value.get<std::string>();
  } else if (value.is_boolean()) {
    out->kind = DocNode::Kind::kScalar;
    out->scalar_type = DocNode::ScalarType::kBool;
    out->scalar = value.get<bool>() ? "true" : "false";
  } else if (value.is_number()) {
    out->kind = DocNode::Kind::kScalar;
    out->scalar_type = DocNode::ScalarType::kNumber;
    out->scalar = value.dump();
  } else if (value.is_array()) {
    out->kind = DocNode::Kind::kList;
    out->items.reserve(value.size());
    for (const auto& item : value) {
      out->items.emplace_back();
      MODELGATE_RETURN_IF_ERROR(FromJson(item, source, line, depth + 1, max_depth, &out->items.back()));
    }
  } else if (value.is_object()) {
    out->kind = DocNode::Kind::kMap;
    for (const auto& [key, item] : value.items()) {
      out->keys.push_back(key);
      out->values.emplace_back();
      MODELGATE_RETURN_IF_ERROR(FromJson(item, source, line, depth + 1, max_depth, &out->values.back()));
    }
  } else {
    return Status::Corruption(fmt::format("{}:{}: unsupported JSON value", source, line));
  }
  return Status::Ok();
}

}  // namespace

const DocNode* DocNode::Find(const std::string& key) const {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &values[i];
  }
  return nullptr;
}

Result<DocNode> DocFromYaml(const YAML::Node& node, const std::string& source, std::size_t first_line,
                            std::size_t max_depth) {
  DocNode out;
  try {
    MODELGATE_RETURN_IF_ERROR(FromYaml(node, source, first_line, 1, max_depth, &out));
  } catch (const std::exception& e) {  // yaml-cpp conversions throw
    return Status::Corruption(fmt::format("{}: YAML: {}", source, e.what()));
  }
  return out;
}

Result<DocNode> DocFromJson(const nlohmann::json& value, const std::string& source, std::size_t line,
                            std::size_t max_depth) {
  DocNode out;
  MODELGATE_RETURN_IF_ERROR(FromJson(value, source, line, 1, max_depth, &out));
  return out;
}

}  // namespace modelgate::eval
