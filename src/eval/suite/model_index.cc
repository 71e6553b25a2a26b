// ParseModelIndex (claims.h): claimed results in a Hugging Face model card,
// README.md's YAML front matter (between a first line `---` and the next
// `---` or `...` line), under `model-index`:
//
//   model-index:
//     - name: my-model
//       results:
//         - task: {type: text-generation, name: Code generation}
//           dataset: {type: http-code-safety, name: HTTP code safety}
//           metrics:
//             - {type: secure_rate, value: 99.1, name: Secure rate}
//
// The front matter goes through LoadBoundedYaml (depth pre-scan, no
// anchors). A malformed result or metric is a problem with its line; the
// rest of the card is still read.
#include <fmt/format.h>

#include "eval/suite/bounded_yaml.h"
#include "eval/suite/claim_value.h"
#include "eval/suite/claims.h"
#include "eval/suite/suite_doc.h"

namespace modelgate::eval {
namespace {

using Kind = DocNode::Kind;

bool IsFenceLine(std::string_view line, bool closing) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line == "---" || (closing && line == "...");
}

// The YAML text between the fences; false when the card has no front matter.
// Sets *terminated to whether the closing fence was found.
bool FrontMatter(std::string_view readme, std::string_view* yaml, bool* terminated) {
  if (readme.starts_with("\xEF\xBB\xBF")) readme.remove_prefix(3);  // UTF-8 BOM
  std::size_t eol = readme.find('\n');
  if (eol == std::string_view::npos || !IsFenceLine(readme.substr(0, eol), false)) return false;
  const std::size_t start = eol + 1;
  std::size_t pos = start;
  *terminated = false;
  while (pos < readme.size()) {
    eol = readme.find('\n', pos);
    const std::size_t line_end = eol == std::string_view::npos ? readme.size() : eol;
    if (IsFenceLine(readme.substr(pos, line_end - pos), true)) {
      *terminated = true;
      *yaml = readme.substr(start, pos - start);
      return true;
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  *yaml = readme.substr(start);
  return true;
}

std::string ScalarText(const DocNode* node) {
  return node != nullptr && node->kind == Kind::kScalar ? node->scalar : std::string();
}

// `type` when given, else `name`, of a mapping such as task: or dataset:.
std::string TypeOrName(const DocNode* node) {
  if (node == nullptr || node->kind != Kind::kMap) return ScalarText(node);
  std::string s = ScalarText(node->Find("type"));
  return s.empty() ? ScalarText(node->Find("name")) : s;
}

class ModelIndexReader {
 public:
  ModelIndexReader(const std::string& source, const Limits& limits, ClaimSet* out)
      : source_(source), claim_source_(source + " (model-index)"), limits_(limits), out_(out) {}

  Status Read(const DocNode& model_index) {
    if (model_index.kind != Kind::kList) return Problem(model_index, "model-index is not a list");
    for (const DocNode& model : model_index.items) {
      const DocNode* results = model.kind == Kind::kMap ? model.Find("results") : nullptr;
      if (results == nullptr || results->kind != Kind::kList) {
        Note(model, "model-index entry without a results list");
        continue;
      }
      for (const DocNode& result : results->items) MODELGATE_RETURN_IF_ERROR(Result(result));
    }
    return Status::Ok();
  }

 private:
  void Note(const DocNode& node, const std::string& message) {
    out_->problems.push_back({claim_source_, fmt::format("{}:{}: {}", source_, node.line, message)});
  }
  Status Problem(const DocNode& node, const std::string& message) {
    Note(node, message);
    return Status::Ok();  // recorded; the rest of the card is still read
  }

  Status Result(const DocNode& result) {
    if (result.kind != Kind::kMap) return Problem(result, "result is not a mapping");
    const std::string task = TypeOrName(result.Find("task"));
    const std::string dataset = TypeOrName(result.Find("dataset"));
    const DocNode* metrics = result.Find("metrics");
    if (task.empty() && dataset.empty()) return Problem(result, "result without task and dataset");
    if (metrics == nullptr || metrics->kind != Kind::kList) return Problem(result, "result without a metrics list");
    for (const DocNode& metric : metrics->items) {
      if (metric.kind != Kind::kMap) {
        Note(metric, "metric is not a mapping");
        continue;
      }
      Claim claim;
      claim.source = claim_source_;
      claim.task = task;
      claim.dataset = dataset;
      claim.metric = TypeOrName(&metric);
      claim.is_stderr = claim.metric.ends_with("_stderr");
      const DocNode* value = metric.Find("value");
      claim.raw = ScalarText(value);
      if (claim.metric.empty()) {
        Note(metric, "metric without type or name");
      } else if (value == nullptr || value->kind != Kind::kScalar || !ParseClaimValue(claim.raw, &claim.value)) {
        Note(value != nullptr ? *value : metric,
                fmt::format("{} / {}: value '{}' is not a number", dataset.empty() ? task : dataset, claim.metric,
                            claim.raw.substr(0, 64)));
      } else {
        MODELGATE_RETURN_IF_ERROR(AddClaim(std::move(claim), limits_, out_));
      }
    }
    return Status::Ok();
  }

  const std::string& source_;
  const std::string claim_source_;
  const Limits& limits_;
  ClaimSet* out_;
};

}  // namespace

Status ParseModelIndex(std::string_view readme, const std::string& source, const Limits& limits, ClaimSet* out) {
  if (readme.size() > limits.max_model_card_bytes) {
    return Status::LimitExceeded(
        fmt::format("{}: {} bytes, more than the limit of {}", source, readme.size(), limits.max_model_card_bytes));
  }
  std::string_view yaml;
  bool terminated = false;
  if (!FrontMatter(readme, &yaml, &terminated)) return Status::Ok();  // no metadata, no claims
  if (!terminated) return Status::Corruption(fmt::format("{}: front matter without a closing '---'", source));
  if (yaml.size() > limits.max_model_card_header_bytes) {
    return Status::LimitExceeded(fmt::format("{}: front matter of {} bytes, more than the limit of {}", source,
                                             yaml.size(), limits.max_model_card_header_bytes));
  }
  auto node = LoadBoundedYaml(yaml, source, limits, /*first_line=*/2);
  if (!node.ok()) return node.status();
  auto doc = DocFromYaml(node.value(), source, 2, limits.max_yaml_depth);
  if (!doc.ok()) return doc.status();
  if (doc->kind != Kind::kMap) return Status::Ok();  // empty or scalar front matter: no model-index
  const DocNode* model_index = doc->Find("model-index");
  if (model_index == nullptr) return Status::Ok();
  ModelIndexReader reader(source, limits, out);
  return reader.Read(*model_index);
}

}  // namespace modelgate::eval
