// Suite reading: tells the two forms apart, loads them into DocNodes with
// their nesting bounded first, and hands those to SuiteSchema.
#include "eval/suite/suite.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "eval/suite/bounded_file.h"
#include "eval/suite/bounded_yaml.h"
#include "eval/suite/suite_doc.h"
#include "eval/suite/suite_schema.h"

namespace modelgate::eval {
namespace {

bool LooksLikeJsonl(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{';
}

Status ParseYamlSuite(std::string_view text, const std::string& source, const Limits& limits, Suite* suite) {
  Result<YAML::Node> yaml = LoadBoundedYaml(text, source, limits);
  if (!yaml.ok()) return yaml.status();
  Result<DocNode> doc = DocFromYaml(yaml.value(), source, 1, limits.max_yaml_depth);
  if (!doc.ok()) return doc.status();
  SuiteSchema schema(source, limits, suite);
  MODELGATE_RETURN_IF_ERROR(schema.Header(doc.value(), /*allow_cases=*/true));
  const DocNode* cases = doc->Find("cases");
  if (cases == nullptr || cases->kind != DocNode::Kind::kList) {
    return Status::Corruption(fmt::format("{}:{}: a suite needs a list of cases", source,
                                          cases != nullptr ? cases->line : doc->line));
  }
  for (const DocNode& c : cases->items) MODELGATE_RETURN_IF_ERROR(schema.Case(c));
  return Status::Ok();
}

Status ParseJsonlSuite(std::string_view text, const std::string& source, const Limits& limits, Suite* suite) {
  SuiteSchema schema(source, limits, suite);
  bool have_header = false;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (JsonDepth(line, limits.max_json_depth) > limits.max_json_depth) {
      return Status::LimitExceeded(
          fmt::format("{}:{}: JSON nesting deeper than {} levels", source, line_no, limits.max_json_depth));
    }
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      return Status::Corruption(fmt::format("{}:{}: {}", source, line_no, e.what()));
    }
    Result<DocNode> doc = DocFromJson(value, source, line_no, limits.max_json_depth);
    if (!doc.ok()) return doc.status();
    if (!have_header) {
      MODELGATE_RETURN_IF_ERROR(schema.Header(doc.value(), /*allow_cases=*/false));
      have_header = true;
    } else {
      MODELGATE_RETURN_IF_ERROR(schema.Case(doc.value()));
    }
  }
  return Status::Ok();
}

}  // namespace

const MetricSpec* Suite::FindMetric(std::string_view name) const {
  for (const MetricSpec& m : metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Result<Suite> ParseSuite(std::string_view text, const std::string& source, const Limits& limits) {
  if (text.size() > limits.max_suite_bytes) {
    return Status::LimitExceeded(
        fmt::format("{}: {} bytes, more than the limit of {}", source, text.size(), limits.max_suite_bytes));
  }
  Suite suite;
  suite.source = source;
  MODELGATE_RETURN_IF_ERROR(LooksLikeJsonl(text) ? ParseJsonlSuite(text, source, limits, &suite)
                                                 : ParseYamlSuite(text, source, limits, &suite));
  if (suite.cases.empty()) return Status::Corruption(fmt::format("{}: the suite has no cases", source));
  return suite;
}

Result<Suite> LoadSuite(const std::string& path, const Limits& limits) {
  std::string text;
  MODELGATE_RETURN_IF_ERROR(ReadBoundedFile(path, limits.max_suite_bytes, /*follow_symlinks=*/true, &text));
  return ParseSuite(text, path, limits);
}

}  // namespace modelgate::eval
