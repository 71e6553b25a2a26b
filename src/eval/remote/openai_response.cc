// OpenAI request/response bodies. Two logprobs shapes exist:
//   completions: choices[0].logprobs.top_logprobs = [{"tok": lp, ...}, ...]
//   chat:        choices[0].logprobs.content = [{"token", "logprob",
//                "top_logprobs": [{"token", "logprob"}, ...]}, ...]
// Both are read into one list of top-k log-probabilities per position.
#include "eval/remote/openai_response.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "eval/json_object.h"

namespace modelgate::eval {
namespace {

using Json = nlohmann::json;

// The deepest legitimate response (chat logprobs) nests 7 levels.
constexpr std::size_t kMaxResponseDepth = 16;
constexpr std::size_t kMaxErrorMessageBytes = 300;

Status Bad(const std::string& what) { return Status::Corruption("response: " + what); }

Result<Json> ParseBody(std::string_view body, const Limits& limits) {
  if (body.size() > limits.max_http_body_bytes) {
    return Status::LimitExceeded("response: body of " + std::to_string(body.size()) + " bytes exceeds " +
                                 std::to_string(limits.max_http_body_bytes));
  }
  Json j;
  switch (ParseJsonObject(body, std::min<std::size_t>(kMaxResponseDepth, limits.max_json_depth), &j)) {
    case JsonObjectError::kNone: return j;
    case JsonObjectError::kTooDeep: return Bad("JSON nested too deeply");
    case JsonObjectError::kInvalid: return Bad("not valid JSON");
    case JsonObjectError::kNotObject: break;
  }
  return Bad("not a JSON object");
}

// j[key] when j is an object holding it, else nullptr.
const Json* Member(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

Status ReadCount(const Json& usage, const char* key, std::uint32_t* out) {
  const Json* v = Member(usage, key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_number_unsigned()) return Bad(std::string("usage.") + key + " is not a non-negative integer");
  const std::uint64_t u = v->get<std::uint64_t>();
  if (u > UINT32_MAX) return Bad(std::string("usage.") + key + " is out of range");
  *out = static_cast<std::uint32_t>(u);
  return Status::Ok();
}

Result<double> ReadLogprob(const Json& v, const std::string& where) {
  if (!v.is_number()) return Bad(where + " is not a number");
  const double d = v.get<double>();
  // -inf is legal in principle but JSON cannot carry it; NaN neither.
  if (!std::isfinite(d) || d > 1e-6) return Bad(where + " is not a log-probability");
  return std::min(d, 0.0);
}

// Per generated position, the top-k log-probabilities.
using PositionLogprobs = std::vector<std::vector<double>>;

Status ReadCompletionLogprobs(const Json& logprobs, PositionLogprobs* out) {
  const Json* top = Member(logprobs, "top_logprobs");
  if (top == nullptr || top->is_null()) return Status::Ok();
  if (!top->is_array()) return Bad("logprobs.top_logprobs is not an array");
  for (const Json& pos : *top) {
    if (pos.is_null()) continue;  // some servers put null for echoed prompt tokens
    if (!pos.is_object()) return Bad("logprobs.top_logprobs entry is not an object");
    std::vector<double> lps;
    for (auto it = pos.begin(); it != pos.end(); ++it) {
      Result<double> lp = ReadLogprob(it.value(), "logprobs.top_logprobs value");
      if (!lp.ok()) return lp.status();
      lps.push_back(lp.value());
    }
    out->push_back(std::move(lps));
  }
  return Status::Ok();
}

Status ReadChatLogprobs(const Json& logprobs, PositionLogprobs* out) {
  const Json* content = Member(logprobs, "content");
  if (content == nullptr || content->is_null()) return Status::Ok();
  if (!content->is_array()) return Bad("logprobs.content is not an array");
  for (const Json& pos : *content) {
    if (!pos.is_object()) return Bad("logprobs.content entry is not an object");
    const Json* top = Member(pos, "top_logprobs");
    std::vector<double> lps;
    if (top != nullptr && top->is_array() && !top->empty()) {
      for (const Json& alt : *top) {
        const Json* lp = Member(alt, "logprob");
        if (lp == nullptr) return Bad("logprobs.content[].top_logprobs entry has no logprob");
        Result<double> v = ReadLogprob(*lp, "logprobs.content[].top_logprobs[].logprob");
        if (!v.ok()) return v.status();
        lps.push_back(v.value());
      }
    } else if (top != nullptr && !top->is_null() && !top->is_array()) {
      return Bad("logprobs.content[].top_logprobs is not an array");
    } else {
      // Only the chosen token's logprob: a one-outcome lower bound.
      const Json* lp = Member(pos, "logprob");
      if (lp == nullptr) return Bad("logprobs.content entry has no logprob");
      Result<double> v = ReadLogprob(*lp, "logprobs.content[].logprob");
      if (!v.ok()) return v.status();
      lps.push_back(v.value());
    }
    out->push_back(std::move(lps));
  }
  return Status::Ok();
}

}  // namespace

double EntropyLowerBound(const std::vector<double>& top_logprobs) {
  if (top_logprobs.empty()) return NAN;
  double mass = 0;
  for (double lp : top_logprobs) mass += std::exp(lp);
  const double scale = mass > 1.0 ? 1.0 / mass : 1.0;
  double h = 0;
  for (double lp : top_logprobs) {
    const double p = std::exp(lp) * scale;
    if (p > 0) h -= p * std::log(p);
  }
  const double rest = 1.0 - std::min(1.0, mass * scale);
  if (rest > 0) h -= rest * std::log(rest);
  return h;
}

std::string BuildCompletionRequestBody(const GenerationRequest& request, const std::string& model, bool logprobs) {
  Json j = {{"model", model},
            {"max_tokens", request.decoding.max_new_tokens},
            {"temperature", request.decoding.temperature},
            {"top_p", request.decoding.top_p},
            {"seed", request.decoding.seed},
            {"n", 1},
            {"stream", false}};
  if (!request.decoding.stop.empty()) j["stop"] = request.decoding.stop;
  if (request.chat) {
    j["messages"] = Json::array({{{"role", "user"}, {"content", request.prompt}}});
    if (logprobs) {
      j["logprobs"] = true;
      j["top_logprobs"] = kTopLogprobs;
    }
  } else {
    j["prompt"] = request.prompt;
    if (logprobs) j["logprobs"] = kTopLogprobs;
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Generation> ParseCompletionResponse(std::string_view body, bool chat, const Limits& limits) {
  Result<Json> parsed = ParseBody(body, limits);
  if (!parsed.ok()) return parsed.status();
  const Json& j = parsed.value();
  const Json* choices = Member(j, "choices");
  if (choices == nullptr) return Bad("no 'choices'");
  if (!choices->is_array() || choices->empty()) return Bad("'choices' is not a non-empty array");
  const Json& choice = (*choices)[0];
  if (!choice.is_object()) return Bad("choices[0] is not an object");

  Generation g;
  const Json* text = nullptr;
  if (chat) {
    const Json* message = Member(choice, "message");
    if (message == nullptr || !message->is_object()) return Bad("choices[0].message is not an object");
    text = Member(*message, "content");
    if (text == nullptr) return Bad("choices[0].message has no 'content'");
  } else {
    text = Member(choice, "text");
    if (text == nullptr) return Bad("choices[0] has no 'text'");
  }
  if (!text->is_null()) {
    if (!text->is_string()) return Bad(std::string(chat ? "choices[0].message.content" : "choices[0].text") +
                                       " is not a string");
    const std::string& s = text->get_ref<const std::string&>();
    if (s.size() > limits.max_generated_text_bytes) {
      return Status::LimitExceeded("response: generated text of " + std::to_string(s.size()) + " bytes exceeds " +
                                   std::to_string(limits.max_generated_text_bytes));
    }
    g.text = s;
  }

  const Json* finish = Member(choice, "finish_reason");
  if (finish != nullptr && !finish->is_null() && !finish->is_string()) {
    return Bad("choices[0].finish_reason is not a string");
  }
  g.finish_reason = (finish != nullptr && finish->is_string() && finish->get_ref<const std::string&>() == "length")
                        ? "length"
                        : "stop";

  if (const Json* usage = Member(j, "usage"); usage != nullptr && !usage->is_null()) {
    if (!usage->is_object()) return Bad("'usage' is not an object");
    MODELGATE_RETURN_IF_ERROR(ReadCount(*usage, "prompt_tokens", &g.prompt_tokens));
    MODELGATE_RETURN_IF_ERROR(ReadCount(*usage, "completion_tokens", &g.completion_tokens));
  }

  if (const Json* logprobs = Member(choice, "logprobs"); logprobs != nullptr && !logprobs->is_null()) {
    if (!logprobs->is_object()) return Bad("choices[0].logprobs is not an object");
    PositionLogprobs positions;
    MODELGATE_RETURN_IF_ERROR(chat ? ReadChatLogprobs(*logprobs, &positions)
                                   : ReadCompletionLogprobs(*logprobs, &positions));
    double sum = 0;
    std::size_t n = 0;
    for (const std::vector<double>& pos : positions) {
      const double h = EntropyLowerBound(pos);
      if (std::isnan(h)) continue;
      if (n == 0) g.first_token_entropy = h;
      sum += h;
      ++n;
    }
    if (n > 0) g.mean_entropy = sum / static_cast<double>(n);
  }
  return g;
}

Result<std::vector<std::string>> ParseModelList(std::string_view body, const Limits& limits) {
  Result<Json> parsed = ParseBody(body, limits);
  if (!parsed.ok()) return parsed.status();
  const Json* data = Member(parsed.value(), "data");
  if (data == nullptr || !data->is_array()) return Bad("models: 'data' is not an array");
  std::vector<std::string> ids;
  for (const Json& m : *data) {
    const Json* id = Member(m, "id");
    if (id == nullptr || !id->is_string()) return Bad("models: an entry has no string 'id'");
    ids.push_back(id->get<std::string>());
  }
  return ids;
}

std::string ErrorMessageFromBody(std::string_view body) {
  std::string message;
  Json j;
  if (body.size() <= (1u << 20) && ParseJsonObject(body, kMaxResponseDepth, &j) == JsonObjectError::kNone) {
    const Json* error = Member(j, "error");
    const Json* m = error != nullptr ? Member(*error, "message") : nullptr;
    if (m != nullptr && m->is_string()) message = m->get<std::string>();
    if (error != nullptr && error->is_string()) message = error->get<std::string>();  // TGI: {"error": "..."}
  }
  if (message.empty()) message = std::string(body.substr(0, kMaxErrorMessageBytes));
  if (message.size() > kMaxErrorMessageBytes) message.resize(kMaxErrorMessageBytes);
  return message;
}

}  // namespace modelgate::eval
