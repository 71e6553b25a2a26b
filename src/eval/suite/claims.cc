// Claims from evaluation result files (claims.h, docs/eval/claims.md), the
// folder walk that finds claim files, and matching claims to a suite.
//
// Three JSON layouts are read:
//   lm-evaluation-harness  {"results": {task: {"acc,none": 0.61, "acc_stderr,none": 0.01, "alias": ...}},
//                           "groups": {...same...}, other keys ignored}
//   flat                   {task: {metric: value}}  (top-level strings are metadata)
//   list                   [{"task": t, "metric": m, "value": v, "dataset": d?}]  (also under "results")
// Entries that cannot be read are recorded as problems, never skipped
// silently; a file that cannot be read at all is a non-OK status.
#include "eval/suite/claims.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "eval/suite/bounded_file.h"
#include "eval/suite/claim_value.h"

namespace modelgate::eval {
namespace {

using nlohmann::json;

void Problem(ClaimSet* out, const std::string& source, std::string message) {
  out->problems.push_back({source, std::move(message)});
}

// "acc,none" -> "acc": lm-eval appends the filter name after a comma.
std::string MetricName(const std::string& key) { return key.substr(0, key.find(',')); }

bool IsStderr(const std::string& metric) { return metric.ends_with("_stderr") || metric == "stderr"; }

// One claim from a JSON value; false (with a problem) when it is not a number.
bool ClaimFromJson(const json& value, Claim* claim, std::string* why) {
  if (value.is_number()) {
    claim->raw = value.dump();
    if (NormaliseClaimValue(value.get<double>(), &claim->value)) return true;
    *why = fmt::format("value {} is not a proportion or percentage", claim->raw);
    return false;
  }
  if (value.is_string()) {
    claim->raw = value.get<std::string>();
    if (ParseClaimValue(claim->raw, &claim->value)) return true;
    *why = fmt::format("value '{}' is not a number", claim->raw.substr(0, 64));
    return false;
  }
  *why = fmt::format("value of type {} is not a number", value.type_name());
  return false;
}

Status ReadTaskMetrics(const std::string& task, const json& metrics, const std::string& source, const Limits& limits,
                       ClaimSet* out) {
  if (!metrics.is_object()) {
    Problem(out, source, fmt::format("task '{}': expected an object of metrics", task));
    return Status::Ok();
  }
  for (const auto& [key, value] : metrics.items()) {
    if (key == "alias" || key == "name") continue;  // lm-eval's display names
    Claim claim;
    claim.source = source;
    claim.task = task;
    claim.metric = MetricName(key);
    claim.is_stderr = IsStderr(claim.metric);
    std::string why;
    if (!ClaimFromJson(value, &claim, &why)) {
      // lm-eval writes "N/A" for stderrs it could not compute; they are never compared.
      if (!claim.is_stderr) Problem(out, source, fmt::format("{} / {}: {}", task, key, why));
      continue;
    }
    MODELGATE_RETURN_IF_ERROR(AddClaim(std::move(claim), limits, out));
  }
  return Status::Ok();
}

std::string Field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Status ReadClaimList(const json& list, const std::string& source, const Limits& limits, ClaimSet* out) {
  std::size_t index = 0;
  for (const json& item : list) {
    ++index;
    if (!item.is_object() || !item.contains("value")) {
      Problem(out, source, fmt::format("entry {}: expected an object with task, metric and value", index));
      continue;
    }
    Claim claim;
    claim.source = source;
    claim.task = Field(item, "task");
    claim.dataset = Field(item, "dataset");
    claim.metric = MetricName(Field(item, "metric"));
    claim.is_stderr = IsStderr(claim.metric);
    std::string why;
    if ((claim.task.empty() && claim.dataset.empty()) || claim.metric.empty()) {
      Problem(out, source, fmt::format("entry {}: task or metric missing", index));
      continue;
    }
    if (!ClaimFromJson(item["value"], &claim, &why)) {
      Problem(out, source, fmt::format("entry {} ({} / {}): {}", index, claim.task, claim.metric, why));
      continue;
    }
    MODELGATE_RETURN_IF_ERROR(AddClaim(std::move(claim), limits, out));
  }
  return Status::Ok();
}

std::string AsciiLower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

// Task names compare case-insensitively, with '-' and '_' the same.
std::string TaskKey(const std::string& task) {
  std::string key = AsciiLower(task);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

bool IsClaimsJson(const std::string& name) {
  const std::string n = AsciiLower(name);
  if (!n.ends_with(".json")) return false;
  return n == "evaluation_results.json" || n == "eval_results.json" || n.starts_with("results") ||
         (n.find("eval") != std::string::npos && n.find("results") != std::string::npos);
}

}  // namespace

Status ParseEvaluationResults(std::string_view text, const std::string& source, const Limits& limits, ClaimSet* out) {
  if (text.size() > limits.max_claims_bytes) {
    return Status::LimitExceeded(
        fmt::format("{}: {} bytes, more than the limit of {}", source, text.size(), limits.max_claims_bytes));
  }
  if (JsonDepth(text, limits.max_json_depth) > limits.max_json_depth) {
    return Status::LimitExceeded(fmt::format("{}: JSON nesting deeper than {} levels", source, limits.max_json_depth));
  }
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    return Status::Corruption(fmt::format("{}: {}", source, e.what()));
  }
  if (doc.is_array()) return ReadClaimList(doc, source, limits, out);
  if (!doc.is_object()) return Status::Corruption(fmt::format("{}: expected a JSON object or list", source));
  auto results = doc.find("results");
  if (results != doc.end() && results->is_array()) return ReadClaimList(*results, source, limits, out);
  if (results != doc.end() && results->is_object()) {
    for (const char* section : {"results", "groups"}) {
      auto it = doc.find(section);
      if (it == doc.end()) continue;
      if (!it->is_object()) {
        Problem(out, source, fmt::format("'{}' is not an object", section));
        continue;
      }
      for (const auto& [task, metrics] : it->items()) {
        MODELGATE_RETURN_IF_ERROR(ReadTaskMetrics(task, metrics, source, limits, out));
      }
    }
    return Status::Ok();
  }
  // Flat {task: {metric: value}}.
  for (const auto& [task, metrics] : doc.items()) {
    if (metrics.is_string()) continue;  // metadata such as "model" or "date"
    MODELGATE_RETURN_IF_ERROR(ReadTaskMetrics(task, metrics, source, limits, out));
  }
  return Status::Ok();
}

ClaimSet ReadClaims(const std::string& model_dir, const Limits& limits) {
  ClaimSet set;
  std::vector<std::string> json_files;
  std::string readme;
  std::error_code ec;
  std::filesystem::directory_iterator it(model_dir, ec), end;
  std::uint32_t entries = 0;
  for (; !ec && it != end; it.increment(ec)) {
    if (++entries > limits.max_model_files) {
      set.problems.push_back({model_dir, fmt::format("more than {} entries; the rest are not looked at",
                                                     limits.max_model_files)});
      break;
    }
    const std::string name = it->path().filename().string();
    if (AsciiLower(name) == "readme.md") readme = name;
    else if (IsClaimsJson(name)) json_files.push_back(name);
  }
  if (ec) set.problems.push_back({model_dir, fmt::format("cannot list the folder: {}", ec.message())});
  std::sort(json_files.begin(), json_files.end());
  std::string text;
  for (const std::string& name : json_files) {
    Status st = ReadBoundedFile(model_dir + "/" + name, limits.max_claims_bytes, /*follow_symlinks=*/false, &text);
    if (st.ok()) st = ParseEvaluationResults(text, name, limits, &set);
    if (!st.ok()) set.problems.push_back({name, st.message()});
  }
  if (!readme.empty()) {
    Status st = ReadBoundedFile(model_dir + "/" + readme, limits.max_model_card_bytes, /*follow_symlinks=*/false, &text);
    if (st.ok()) st = ParseModelIndex(text, readme, limits, &set);
    if (!st.ok()) set.problems.push_back({readme, st.message()});
  }
  return set;
}

const ClaimBinding* MatchClaim(const Suite& suite, const Claim& claim) {
  if (claim.is_stderr) return nullptr;  // read, never compared
  const std::string task = TaskKey(claim.task);
  const std::string dataset = TaskKey(claim.dataset);
  for (const ClaimBinding& binding : suite.claims) {
    if (binding.metric != claim.metric) continue;
    const std::string key = TaskKey(binding.task);
    if (key == task || (!dataset.empty() && key == dataset)) return &binding;
  }
  return nullptr;
}

}  // namespace modelgate::eval
