// Suite schema: see suite_schema.h; the format is documented in
// docs/eval/suites.md. Every message is "<file>:<line>: ...".
#include "eval/suite/suite_schema.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "eval/suite/suite_regex.h"

namespace modelgate::eval {
namespace {

using Kind = DocNode::Kind;
using ScalarType = DocNode::ScalarType;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

bool IsBanditTestId(const std::string& id) {
  return id.size() == 4 && id[0] == 'B' && std::all_of(id.begin() + 1, id.end(), [](char c) {
           return c >= '0' && c <= '9';
         });
}


}  // namespace

Status SuiteSchema::Error(const DocNode& node, const std::string& message) const {
  return Status::Corruption(fmt::format("{}:{}: {}", source_, node.line, message));
}

Status SuiteSchema::Keys(const DocNode& node, std::initializer_list<const char*> allowed, const char* what) const {
  if (node.kind != Kind::kMap) return Error(node, fmt::format("{} must be a mapping", what));
  for (std::size_t i = 0; i < node.keys.size(); ++i) {
    const std::string& key = node.keys[i];
    const DocNode& value = node.values[i];
    const bool known = std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return key == k; });
    if (!known) return Error(value, fmt::format("unknown key '{}' in {}", key, what));
  }
  return Status::Ok();
}

Status SuiteSchema::Text(const DocNode& node, std::string* out) const {
  if (node.kind != Kind::kScalar || node.scalar_type == ScalarType::kNumber || node.scalar_type == ScalarType::kBool) {
    return Error(node, "expected text");
  }
  *out = node.scalar;
  return Status::Ok();
}

Status SuiteSchema::Bool(const DocNode& node, bool* out) const {
  if (node.kind == Kind::kScalar && node.scalar_type != ScalarType::kString &&
      node.scalar_type != ScalarType::kNumber) {
    const std::string v = Lower(node.scalar);
    if (v == "true" || v == "false") {
      *out = v == "true";
      return Status::Ok();
    }
  }
  return Error(node, "expected true or false");
}

Status SuiteSchema::Unsigned(const DocNode& node, std::uint64_t* out) const {
  if (node.kind == Kind::kScalar && node.scalar_type != ScalarType::kString &&
      node.scalar_type != ScalarType::kBool) {
    const char* begin = node.scalar.data();
    const char* end = begin + node.scalar.size();
    auto [ptr, ec] = std::from_chars(begin, end, *out);
    if (ec == std::errc() && ptr == end) return Status::Ok();
  }
  return Error(node, "expected a non-negative integer");
}

Status SuiteSchema::Number(const DocNode& node, double* out) const {
  if (node.kind == Kind::kScalar && node.scalar_type != ScalarType::kString &&
      node.scalar_type != ScalarType::kBool) {
    const char* begin = node.scalar.data();
    const char* end = begin + node.scalar.size();
    auto [ptr, ec] = std::from_chars(begin, end, *out);
    if (ec == std::errc() && ptr == end && std::isfinite(*out)) return Status::Ok();
  }
  return Error(node, "expected a number");
}

Status SuiteSchema::TextList(const DocNode& node, std::vector<std::string>* out) const {
  out->clear();
  if (node.kind == Kind::kScalar) {  // a single string stands for a list of one
    out->emplace_back();
    return Text(node, &out->back());
  }
  if (node.kind != Kind::kList) return Error(node, "expected a list of text");
  for (const DocNode& item : node.items) {
    out->emplace_back();
    MODELGATE_RETURN_IF_ERROR(Text(item, &out->back()));
  }
  return Status::Ok();
}

Status SuiteSchema::ReadDecoding(const DocNode& node, Decoding* out) const {
  MODELGATE_RETURN_IF_ERROR(Keys(node, {"max_new_tokens", "temperature", "top_p", "seed", "stop"}, "decoding"));
  for (std::size_t i = 0; i < node.keys.size(); ++i) {
    const std::string& key = node.keys[i];
    const DocNode& value = node.values[i];
    if (key == "max_new_tokens") {
      std::uint64_t n = 0;
      MODELGATE_RETURN_IF_ERROR(Unsigned(value, &n));
      if (n == 0 || n > limits_.max_new_tokens) {
        return Error(value, fmt::format("max_new_tokens must be 1..{}", limits_.max_new_tokens));
      }
      out->max_new_tokens = static_cast<std::uint32_t>(n);
    } else if (key == "temperature") {
      MODELGATE_RETURN_IF_ERROR(Number(value, &out->temperature));
      if (out->temperature < 0 || out->temperature > 100) return Error(value, "temperature must be 0..100");
    } else if (key == "top_p") {
      MODELGATE_RETURN_IF_ERROR(Number(value, &out->top_p));
      if (!(out->top_p > 0 && out->top_p <= 1)) return Error(value, "top_p must be in (0, 1]");
    } else if (key == "seed") {
      MODELGATE_RETURN_IF_ERROR(Unsigned(value, &out->seed));
    } else if (key == "stop") {
      MODELGATE_RETURN_IF_ERROR(TextList(value, &out->stop));
      if (out->stop.size() > limits_.max_stop_strings) {
        return Error(value, fmt::format("at most {} stop strings", limits_.max_stop_strings));
      }
      for (const std::string& s : out->stop) {
        if (s.empty()) return Error(value, "empty stop string");
        if (s.size() > limits_.max_stop_string_bytes) {
          return Error(value, fmt::format("a stop string is longer than {} bytes", limits_.max_stop_string_bytes));
        }
      }
    }
  }
  return Status::Ok();
}

Status SuiteSchema::ReadMetric(const DocNode& node) {
  MODELGATE_RETURN_IF_ERROR(Keys(node, {"name", "higher_is_better", "description"}, "metric"));
  MetricSpec spec;
  const DocNode* name = node.Find("name");
  if (name == nullptr) return Error(node, "metric without a name");
  MODELGATE_RETURN_IF_ERROR(Text(*name, &spec.name));
  if (spec.name.empty()) return Error(*name, "empty metric name");
  if (suite_->FindMetric(spec.name) != nullptr) return Error(*name, fmt::format("metric '{}' declared twice", spec.name));
  if (const DocNode* v = node.Find("higher_is_better")) MODELGATE_RETURN_IF_ERROR(Bool(*v, &spec.higher_is_better));
  if (const DocNode* v = node.Find("description")) MODELGATE_RETURN_IF_ERROR(Text(*v, &spec.description));
  suite_->metrics.push_back(std::move(spec));
  return Status::Ok();
}

Status SuiteSchema::DeclaredMetric(const DocNode& node, const std::string& name) const {
  if (suite_->FindMetric(name) == nullptr) return Error(node, fmt::format("metric '{}' is not declared", name));
  return Status::Ok();
}

Status SuiteSchema::ReadClaim(const DocNode& node) {
  MODELGATE_RETURN_IF_ERROR(Keys(node, {"task", "metric", "suite_metric", "complement"}, "claim binding"));
  ClaimBinding binding;
  const DocNode* task = node.Find("task");
  const DocNode* metric = node.Find("metric");
  if (task == nullptr || metric == nullptr) return Error(node, "a claim binding needs task and metric");
  MODELGATE_RETURN_IF_ERROR(Text(*task, &binding.task));
  MODELGATE_RETURN_IF_ERROR(Text(*metric, &binding.metric));
  if (binding.task.empty() || binding.metric.empty()) return Error(node, "empty task or metric");
  binding.suite_metric = binding.metric;
  const DocNode* suite_metric = node.Find("suite_metric");
  if (suite_metric != nullptr) MODELGATE_RETURN_IF_ERROR(Text(*suite_metric, &binding.suite_metric));
  MODELGATE_RETURN_IF_ERROR(DeclaredMetric(suite_metric != nullptr ? *suite_metric : *metric, binding.suite_metric));
  if (const DocNode* v = node.Find("complement")) MODELGATE_RETURN_IF_ERROR(Bool(*v, &binding.complement));
  suite_->claims.push_back(std::move(binding));
  return Status::Ok();
}

Status SuiteSchema::ReadProbe(const DocNode& node) {
  MODELGATE_RETURN_IF_ERROR(Keys(node, {"metric", "insert"}, "probe"));
  if (const DocNode* v = node.Find("metric")) {
    MODELGATE_RETURN_IF_ERROR(Text(*v, &suite_->probe.metric));
    if (!suite_->probe.metric.empty()) MODELGATE_RETURN_IF_ERROR(DeclaredMetric(*v, suite_->probe.metric));
  }
  if (const DocNode* v = node.Find("insert")) {
    MODELGATE_RETURN_IF_ERROR(Text(*v, &suite_->probe.insert));
    const std::string& s = suite_->probe.insert;
    if (s != "prefix-line" && s != "comment-line" && s != "prefix" && s != "suffix") {
      return Error(*v, "probe insert must be prefix-line, comment-line, prefix or suffix");
    }
  }
  return Status::Ok();
}

Status SuiteSchema::Header(const DocNode& node, bool allow_cases) {
  if (node.kind != Kind::kMap) return Error(node, "a suite must be a mapping");
  if (allow_cases) {
    MODELGATE_RETURN_IF_ERROR(Keys(
        node, {"suite", "description", "mode", "decoding", "metrics", "claims", "probe", "cases"}, "suite"));
  } else {
    MODELGATE_RETURN_IF_ERROR(
        Keys(node, {"suite", "description", "mode", "decoding", "metrics", "claims", "probe"}, "suite header"));
  }
  const DocNode* name = node.Find("suite");
  if (name == nullptr) return Error(node, "missing 'suite' (the suite's name)");
  MODELGATE_RETURN_IF_ERROR(Text(*name, &suite_->name));
  if (suite_->name.empty()) return Error(*name, "empty suite name");
  if (const DocNode* v = node.Find("description")) MODELGATE_RETURN_IF_ERROR(Text(*v, &suite_->description));
  if (const DocNode* v = node.Find("mode")) {
    std::string mode;
    MODELGATE_RETURN_IF_ERROR(Text(*v, &mode));
    if (mode != "completion" && mode != "chat") return Error(*v, "mode must be completion or chat");
    suite_->chat = mode == "chat";
  }
  if (const DocNode* v = node.Find("decoding")) MODELGATE_RETURN_IF_ERROR(ReadDecoding(*v, &suite_->decoding));
  // Metrics first: claims, probe and checks name them.
  if (const DocNode* v = node.Find("metrics")) {
    if (v->kind != Kind::kList) return Error(*v, "metrics must be a list");
    for (const DocNode& m : v->items) MODELGATE_RETURN_IF_ERROR(ReadMetric(m));
  }
  if (const DocNode* v = node.Find("claims")) {
    if (v->kind != Kind::kList) return Error(*v, "claims must be a list");
    for (const DocNode& c : v->items) MODELGATE_RETURN_IF_ERROR(ReadClaim(c));
  }
  if (const DocNode* v = node.Find("probe")) MODELGATE_RETURN_IF_ERROR(ReadProbe(*v));
  return Status::Ok();
}

Status SuiteSchema::ReadCheck(const DocNode& node, Check* out) const {
  if (node.kind != Kind::kMap) return Error(node, "a check must be a mapping");
  const DocNode* type = node.Find("type");
  if (type == nullptr) return Error(node, "check without a type");
  std::string t;
  MODELGATE_RETURN_IF_ERROR(Text(*type, &t));
  if (t == "exact" || t == "contains") {
    out->type = t == "exact" ? CheckType::kExact : CheckType::kContains;
    MODELGATE_RETURN_IF_ERROR(Keys(node, {"type", "metric", "negate", "value", "case_sensitive"}, "check"));
    const DocNode* value = node.Find("value");
    if (value == nullptr) return Error(node, fmt::format("{} check without a value", t));
    MODELGATE_RETURN_IF_ERROR(Text(*value, &out->value));
    if (const DocNode* v = node.Find("case_sensitive")) MODELGATE_RETURN_IF_ERROR(Bool(*v, &out->case_sensitive));
  } else if (t == "regex") {
    out->type = CheckType::kRegex;
    MODELGATE_RETURN_IF_ERROR(Keys(node, {"type", "metric", "negate", "pattern"}, "check"));
    const DocNode* pattern = node.Find("pattern");
    if (pattern == nullptr) return Error(node, "regex check without a pattern");
    MODELGATE_RETURN_IF_ERROR(Text(*pattern, &out->pattern));
    RE2 re(out->pattern, SuiteRegexOptions());
    if (!re.ok()) return Error(*pattern, fmt::format("invalid regex: {}", re.error()));
  } else if (t == "refusal") {
    out->type = CheckType::kRefusal;
    MODELGATE_RETURN_IF_ERROR(Keys(node, {"type", "metric", "negate"}, "check"));
  } else if (t == "code") {
    out->type = CheckType::kCode;
    MODELGATE_RETURN_IF_ERROR(Keys(
        node, {"type", "metric", "negate", "language", "include_prompt", "bandit_tests", "bandit_severity"}, "check"));
    if (const DocNode* v = node.Find("language")) {
      MODELGATE_RETURN_IF_ERROR(Text(*v, &out->language));
      if (out->language != "python") return Error(*v, "code checks support language: python only");
    }
    if (const DocNode* v = node.Find("include_prompt")) MODELGATE_RETURN_IF_ERROR(Bool(*v, &out->include_prompt));
    if (const DocNode* v = node.Find("bandit_tests")) {
      MODELGATE_RETURN_IF_ERROR(TextList(*v, &out->bandit_tests));
      for (const std::string& id : out->bandit_tests) {
        if (!IsBanditTestId(id)) return Error(*v, fmt::format("'{}' is not a Bandit test id (B101 ...)", id));
      }
    }
    if (const DocNode* v = node.Find("bandit_severity")) {
      MODELGATE_RETURN_IF_ERROR(Text(*v, &out->bandit_severity));
      out->bandit_severity = Lower(out->bandit_severity);
      const std::string& s = out->bandit_severity;
      if (s != "low" && s != "medium" && s != "high") return Error(*v, "bandit_severity must be low, medium or high");
    }
  } else {
    return Error(*type, fmt::format("unknown check type '{}' (exact, contains, regex, refusal, code)", t));
  }
  const DocNode* metric = node.Find("metric");
  if (metric == nullptr) return Error(node, "check without a metric");
  MODELGATE_RETURN_IF_ERROR(Text(*metric, &out->metric));
  MODELGATE_RETURN_IF_ERROR(DeclaredMetric(*metric, out->metric));
  if (const DocNode* v = node.Find("negate")) MODELGATE_RETURN_IF_ERROR(Bool(*v, &out->negate));
  return Status::Ok();
}

Status SuiteSchema::Case(const DocNode& node) {
  MODELGATE_RETURN_IF_ERROR(Keys(node, {"id", "prompt", "decoding", "checks"}, "case"));
  if (suite_->cases.size() >= limits_.max_suite_cases) {
    return Status::LimitExceeded(
        fmt::format("{}:{}: more than {} cases", source_, node.line, limits_.max_suite_cases));
  }
  SuiteCase c;
  c.decoding = suite_->decoding;
  const DocNode* id = node.Find("id");
  const DocNode* prompt = node.Find("prompt");
  if (id == nullptr) return Error(node, "case without an id");
  if (prompt == nullptr) return Error(node, "case without a prompt");
  MODELGATE_RETURN_IF_ERROR(Text(*id, &c.id));
  if (c.id.empty()) return Error(*id, "empty case id");
  if (!case_ids_.insert(c.id).second) return Error(*id, fmt::format("duplicate case id '{}'", c.id));
  MODELGATE_RETURN_IF_ERROR(Text(*prompt, &c.prompt));
  if (const DocNode* v = node.Find("decoding")) MODELGATE_RETURN_IF_ERROR(ReadDecoding(*v, &c.decoding));
  if (const DocNode* v = node.Find("checks")) {
    if (v->kind != Kind::kList) return Error(*v, "checks must be a list");
    for (const DocNode& item : v->items) {
      c.checks.emplace_back();
      MODELGATE_RETURN_IF_ERROR(ReadCheck(item, &c.checks.back()));
    }
  }
  suite_->cases.push_back(std::move(c));
  return Status::Ok();
}

}  // namespace modelgate::eval
