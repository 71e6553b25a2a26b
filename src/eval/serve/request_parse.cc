#include "eval/serve/request_parse.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "eval/json_object.h"

namespace modelgate::eval {
namespace {

using Json = nlohmann::json;

// Chat content parts nest 5 deep ({messages:[{content:[{...}]}]}).
constexpr std::size_t kMaxRequestDepth = 8;
constexpr std::uint32_t kDefaultMaxTokens = 16;

Status Invalid(const std::string& what) { return Status::InvalidArgument(what); }

const Json* Member(const Json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

Status ReadNumber(const Json& j, const char* key, double lo, double hi, bool lo_open, double* out) {
  const Json* v = Member(j, key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_number()) return Invalid(std::string("'") + key + "' must be a number");
  const double d = v->get<double>();
  if (!std::isfinite(d) || d > hi || d < lo || (lo_open && d == lo)) {
    return Invalid(std::string("'") + key + "' is out of range");
  }
  *out = d;
  return Status::Ok();
}

Status ReadDecoding(const Json& j, bool chat, const Limits& limits, Decoding* d) {
  d->max_new_tokens = kDefaultMaxTokens;
  d->temperature = 1.0;
  const Json* max_tokens = Member(j, "max_tokens");
  if (max_tokens == nullptr && chat) max_tokens = Member(j, "max_completion_tokens");
  if (max_tokens != nullptr) {
    if (!max_tokens->is_number_unsigned()) return Invalid("'max_tokens' must be a non-negative integer");
    const std::uint64_t n = max_tokens->get<std::uint64_t>();
    if (n > limits.max_new_tokens) {
      return Invalid("'max_tokens' is " + std::to_string(n) + ", more than this server's " +
                     std::to_string(limits.max_new_tokens));
    }
    d->max_new_tokens = static_cast<std::uint32_t>(n);
  }
  MODELGATE_RETURN_IF_ERROR(ReadNumber(j, "temperature", 0.0, 2.0, false, &d->temperature));
  MODELGATE_RETURN_IF_ERROR(ReadNumber(j, "top_p", 0.0, 1.0, true, &d->top_p));
  if (const Json* seed = Member(j, "seed")) {
    if (seed->is_number_unsigned()) {
      d->seed = seed->get<std::uint64_t>();
    } else if (seed->is_number_integer()) {
      d->seed = static_cast<std::uint64_t>(seed->get<std::int64_t>());
    } else {
      return Invalid("'seed' must be an integer");
    }
  }
  if (const Json* stop = Member(j, "stop")) {
    std::vector<const Json*> items;
    if (stop->is_string()) {
      items.push_back(stop);
    } else if (stop->is_array()) {
      if (stop->size() > limits.max_stop_strings) {
        return Invalid("'stop' holds more than " + std::to_string(limits.max_stop_strings) + " strings");
      }
      for (const Json& s : *stop) items.push_back(&s);
    } else {
      return Invalid("'stop' must be a string or an array of strings");
    }
    for (const Json* s : items) {
      if (!s->is_string()) return Invalid("'stop' must be a string or an array of strings");
      const std::string& text = s->get_ref<const std::string&>();
      if (text.empty()) continue;
      if (text.size() > limits.max_stop_string_bytes) {
        return Invalid("a 'stop' string is longer than " + std::to_string(limits.max_stop_string_bytes) + " bytes");
      }
      d->stop.push_back(text);
    }
  }
  return Status::Ok();
}

// content: a string, null, or text parts.
Result<std::string> MessageContent(const Json& message) {
  const Json* content = Member(message, "content");
  if (content == nullptr) return std::string();
  if (content->is_string()) return content->get<std::string>();
  if (!content->is_array()) return Invalid("message 'content' must be a string or an array of parts");
  std::string text;
  for (const Json& part : *content) {
    if (!part.is_object()) return Invalid("a content part must be an object");
    const Json* type = Member(part, "type");
    if (type == nullptr || !type->is_string() || type->get_ref<const std::string&>() != "text") {
      return Invalid("only content parts of type 'text' are supported");
    }
    const Json* t = Member(part, "text");
    if (t == nullptr || !t->is_string()) return Invalid("a text content part needs a string 'text'");
    text += t->get_ref<const std::string&>();
  }
  return text;
}

Result<std::string> ChatPrompt(const Json& j) {
  const Json* messages = Member(j, "messages");
  if (messages == nullptr || !messages->is_array() || messages->empty()) {
    return Invalid("'messages' must be a non-empty array");
  }
  std::string prompt;
  for (const Json& m : *messages) {
    if (!m.is_object()) return Invalid("each message must be an object");
    const Json* role = Member(m, "role");
    if (role == nullptr || !role->is_string() || role->get_ref<const std::string&>().empty()) {
      return Invalid("each message needs a string 'role'");
    }
    Result<std::string> content = MessageContent(m);
    if (!content.ok()) return content.status();
    prompt += role->get_ref<const std::string&>() + ": " + content.value() + "\n";
  }
  return prompt + "assistant: ";
}

}  // namespace

Result<ParsedCompletionRequest> ParseCompletionRequestBody(std::string_view body, bool chat, const Limits& limits) {
  if (body.size() > limits.max_http_body_bytes) return Invalid("request body too large");
  Json j;
  switch (ParseJsonObject(body, std::min<std::size_t>(kMaxRequestDepth, limits.max_json_depth), &j)) {
    case JsonObjectError::kNone: break;
    case JsonObjectError::kTooDeep: return Invalid("request JSON nested too deeply");
    case JsonObjectError::kInvalid: return Invalid("request body is not valid JSON");
    case JsonObjectError::kNotObject: return Invalid("request body must be a JSON object");
  }

  ParsedCompletionRequest p;
  if (const Json* model = Member(j, "model")) {
    if (!model->is_string()) return Invalid("'model' must be a string");
    p.model = model->get<std::string>();
  }
  if (const Json* stream = Member(j, "stream")) {
    if (!stream->is_boolean()) return Invalid("'stream' must be a boolean");
    p.stream = stream->get<bool>();
  }
  if (const Json* n = Member(j, "n")) {
    if (!n->is_number_integer() || n->get<std::int64_t>() != 1) return Invalid("only n = 1 is supported");
  }
  if (const Json* echo = Member(j, "echo")) {
    if (!echo->is_boolean() || echo->get<bool>()) return Invalid("'echo' is not supported");
  }
  Decoding decoding;
  MODELGATE_RETURN_IF_ERROR(ReadDecoding(j, chat, limits, &decoding));

  std::vector<std::string> prompts;
  if (chat) {
    Result<std::string> prompt = ChatPrompt(j);
    if (!prompt.ok()) return prompt.status();
    prompts.push_back(std::move(prompt.value()));
  } else {
    const Json* prompt = Member(j, "prompt");
    if (prompt == nullptr) return Invalid("'prompt' is required");
    if (prompt->is_string()) {
      prompts.push_back(prompt->get<std::string>());
    } else if (prompt->is_array() && !prompt->empty()) {
      if (prompt->size() > limits.max_batch_sequences) {
        return Invalid("more than " + std::to_string(limits.max_batch_sequences) + " prompts in one request");
      }
      for (const Json& s : *prompt) {
        if (!s.is_string()) return Invalid("'prompt' must be a string or an array of strings (token ids are not supported)");
        prompts.push_back(s.get<std::string>());
      }
    } else {
      return Invalid("'prompt' must be a string or a non-empty array of strings");
    }
  }
  for (std::string& prompt : prompts) {
    GenerationRequest r;
    r.prompt = std::move(prompt);
    r.decoding = decoding;
    p.requests.push_back(std::move(r));
  }
  return p;
}

}  // namespace modelgate::eval
