// The worker line protocol. Each line is measured (JsonDepth) before
// nlohmann parses it, parsed without exceptions, and every member is
// type-checked; unknown members are refused, so a compromised worker cannot
// smuggle data past a lenient reader.
//
// Request:    {"prompt": s, "chat": b, "max_new_tokens": u, "temperature": x,
//              "top_p": x, "seed": u, "stop": [s, ...]}
// Generation: {"text": s, "prompt_tokens": u, "completion_tokens": u,
//              "finish_reason": s, "mean_entropy": x|null,
//              "first_token_entropy": x|null}     (null = NaN)
#include "eval/generation_json.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "eval/json_object.h"

namespace modelgate::eval {
namespace {

using Json = nlohmann::json;

// An object holding at most one array of strings.
constexpr std::size_t kMaxLineDepth = 2;
constexpr std::size_t kMaxFinishReasonBytes = 32;

Json NumberOrNull(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

// Splits on '\n'; a final line without newline counts, empty lines are
// skipped (a trailing newline, blank separators).
template <typename Fn>
Status ForEachLine(std::string_view text, Fn&& fn) {
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = end + 1;
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    MODELGATE_RETURN_IF_ERROR(fn(line, line_no));
  }
  return Status::Ok();
}

Status LineError(std::size_t line_no, const std::string& what) {
  return Status::Corruption("line " + std::to_string(line_no) + ": " + what);
}

Result<Json> ParseLine(std::string_view line, std::size_t line_no) {
  Json j;
  switch (ParseJsonObject(line, kMaxLineDepth, &j)) {
    case JsonObjectError::kNone: return j;
    case JsonObjectError::kTooDeep: return LineError(line_no, "JSON nested too deeply");
    case JsonObjectError::kInvalid: return LineError(line_no, "not valid JSON");
    case JsonObjectError::kNotObject: break;
  }
  return LineError(line_no, "not a JSON object");
}

// Typed member readers. Each returns a Status naming the member.
Status ReadString(const Json& v, const char* key, std::size_t max_bytes, std::size_t line_no, std::string* out,
                  StatusCode too_long = StatusCode::kLimitExceeded) {
  if (!v.is_string()) return LineError(line_no, std::string("'") + key + "' is not a string");
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    const std::string msg = "line " + std::to_string(line_no) + ": '" + key + "' is " + std::to_string(s.size()) +
                            " bytes, more than " + std::to_string(max_bytes);
    return too_long == StatusCode::kLimitExceeded ? Status::LimitExceeded(msg) : Status::Corruption(msg);
  }
  *out = s;
  return Status::Ok();
}

template <typename T>
Status ReadUnsigned(const Json& v, const char* key, std::size_t line_no, T* out) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
    return LineError(line_no, std::string("'") + key + "' is not a non-negative integer");
  }
  const std::uint64_t u = v.get<std::uint64_t>();
  if (u > std::numeric_limits<T>::max()) return LineError(line_no, std::string("'") + key + "' is out of range");
  *out = static_cast<T>(u);
  return Status::Ok();
}

Status ReadNumber(const Json& v, const char* key, bool nullable, std::size_t line_no, double* out) {
  if (nullable && v.is_null()) {
    *out = NAN;
    return Status::Ok();
  }
  if (!v.is_number()) return LineError(line_no, std::string("'") + key + "' is not a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) return LineError(line_no, std::string("'") + key + "' is not finite");
  *out = d;
  return Status::Ok();
}

Status ParseRequest(const Json& j, std::size_t line_no, const Limits& limits, GenerationRequest* r) {
  bool has_prompt = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    if (key == "prompt") {
      MODELGATE_RETURN_IF_ERROR(ReadString(v, "prompt", limits.max_http_body_bytes, line_no, &r->prompt));
      has_prompt = true;
    } else if (key == "chat") {
      if (!v.is_boolean()) return LineError(line_no, "'chat' is not a boolean");
      r->chat = v.get<bool>();
    } else if (key == "max_new_tokens") {
      MODELGATE_RETURN_IF_ERROR(ReadUnsigned(v, "max_new_tokens", line_no, &r->decoding.max_new_tokens));
      if (r->decoding.max_new_tokens > limits.max_new_tokens) {
        return Status::LimitExceeded("line " + std::to_string(line_no) + ": max_new_tokens " +
                                     std::to_string(r->decoding.max_new_tokens) + " exceeds " +
                                     std::to_string(limits.max_new_tokens));
      }
    } else if (key == "temperature") {
      MODELGATE_RETURN_IF_ERROR(ReadNumber(v, "temperature", false, line_no, &r->decoding.temperature));
      if (r->decoding.temperature < 0) return LineError(line_no, "'temperature' is negative");
    } else if (key == "top_p") {
      MODELGATE_RETURN_IF_ERROR(ReadNumber(v, "top_p", false, line_no, &r->decoding.top_p));
      if (!(r->decoding.top_p > 0 && r->decoding.top_p <= 1)) return LineError(line_no, "'top_p' is not in (0, 1]");
    } else if (key == "seed") {
      MODELGATE_RETURN_IF_ERROR(ReadUnsigned(v, "seed", line_no, &r->decoding.seed));
    } else if (key == "stop") {
      if (!v.is_array()) return LineError(line_no, "'stop' is not an array");
      if (v.size() > limits.max_stop_strings) {
        return LineError(line_no, "'stop' has more than " + std::to_string(limits.max_stop_strings) + " strings");
      }
      for (const Json& s : v) {
        std::string stop;
        MODELGATE_RETURN_IF_ERROR(ReadString(s, "stop", limits.max_stop_string_bytes, line_no, &stop, StatusCode::kCorruption));
        if (stop.empty()) return LineError(line_no, "'stop' holds an empty string");
        r->decoding.stop.push_back(std::move(stop));
      }
    } else {
      return LineError(line_no, "unknown member '" + key.substr(0, 64) + "'");
    }
  }
  if (!has_prompt) return LineError(line_no, "missing 'prompt'");
  return Status::Ok();
}

Status ParseGeneration(const Json& j, std::size_t line_no, const Limits& limits, Generation* g) {
  bool has_text = false;
  bool has_finish = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    if (key == "text") {
      MODELGATE_RETURN_IF_ERROR(ReadString(v, "text", limits.max_generated_text_bytes, line_no, &g->text));
      has_text = true;
    } else if (key == "prompt_tokens") {
      MODELGATE_RETURN_IF_ERROR(ReadUnsigned(v, "prompt_tokens", line_no, &g->prompt_tokens));
    } else if (key == "completion_tokens") {
      MODELGATE_RETURN_IF_ERROR(ReadUnsigned(v, "completion_tokens", line_no, &g->completion_tokens));
    } else if (key == "finish_reason") {
      MODELGATE_RETURN_IF_ERROR(ReadString(v, "finish_reason", kMaxFinishReasonBytes, line_no, &g->finish_reason,
                                           StatusCode::kCorruption));
      if (g->finish_reason != "stop" && g->finish_reason != "length") {
        return LineError(line_no, "'finish_reason' is neither \"stop\" nor \"length\"");
      }
      has_finish = true;
    } else if (key == "mean_entropy") {
      MODELGATE_RETURN_IF_ERROR(ReadNumber(v, "mean_entropy", true, line_no, &g->mean_entropy));
      if (g->mean_entropy < 0) return LineError(line_no, "'mean_entropy' is negative");
    } else if (key == "first_token_entropy") {
      MODELGATE_RETURN_IF_ERROR(ReadNumber(v, "first_token_entropy", true, line_no, &g->first_token_entropy));
      if (g->first_token_entropy < 0) return LineError(line_no, "'first_token_entropy' is negative");
    } else {
      return LineError(line_no, "unknown member '" + key.substr(0, 64) + "'");
    }
  }
  if (!has_text) return LineError(line_no, "missing 'text'");
  if (!has_finish) return LineError(line_no, "missing 'finish_reason'");
  return Status::Ok();
}

// One T per non-empty line, at most max_items (kLimitExceeded beyond).
template <typename T, typename ParseFn>
Result<std::vector<T>> ParseLines(std::string_view text, const Limits& limits, std::size_t max_items,
                                  ParseFn parse) {
  std::vector<T> items;
  Status st = ForEachLine(text, [&](std::string_view line, std::size_t line_no) -> Status {
    if (items.size() >= max_items) {
      return Status::LimitExceeded("line " + std::to_string(line_no) + ": more than " + std::to_string(max_items) +
                                   " requests");
    }
    Result<Json> j = ParseLine(line, line_no);
    if (!j.ok()) return j.status();
    T item;
    MODELGATE_RETURN_IF_ERROR(parse(j.value(), line_no, limits, &item));
    items.push_back(std::move(item));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return items;
}

}  // namespace

std::string RequestToJsonLine(const GenerationRequest& request) {
  Json j = {{"prompt", request.prompt},
            {"chat", request.chat},
            {"max_new_tokens", request.decoding.max_new_tokens},
            {"temperature", request.decoding.temperature},
            {"top_p", request.decoding.top_p},
            {"seed", request.decoding.seed},
            {"stop", request.decoding.stop}};
  // Invalid UTF-8 in a prompt is replaced rather than thrown on.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string GenerationToJsonLine(const Generation& generation) {
  Json j = {{"text", generation.text},
            {"prompt_tokens", generation.prompt_tokens},
            {"completion_tokens", generation.completion_tokens},
            {"finish_reason", generation.finish_reason},
            {"mean_entropy", NumberOrNull(generation.mean_entropy)},
            {"first_token_entropy", NumberOrNull(generation.first_token_entropy)}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<std::vector<GenerationRequest>> ParseRequestLines(std::string_view text, const Limits& limits) {
  return ParseLines<GenerationRequest>(text, limits, limits.max_batch_sequences, ParseRequest);
}

Result<std::vector<Generation>> ParseGenerationLines(std::string_view text, const Limits& limits) {
  return ParseLines<Generation>(text, limits, std::numeric_limits<std::size_t>::max(), ParseGeneration);
}

}  // namespace modelgate::eval
