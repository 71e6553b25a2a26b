// The OpenAI-compatible server over cpp-httplib. Request bodies are bounded
// by httplib itself (set_payload_max_length: 413 before our handler runs),
// depth-checked, parsed without exceptions and type-checked member by
// member; unknown members (frequency_penalty, user, ...) are ignored, as
// OpenAI clients send many. The backend is called under a mutex: Backend
// implementations are not required to be thread-safe, and httplib handles
// requests on a thread pool.
//
// Streaming: the whole answer is generated first, then sent as server-sent
// events (one content event per choice, a final event with finish_reason,
// then "data: [DONE]"), which is what streaming clients parse.
#include "eval/serve/openai_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "eval/serve/request_parse.h"

namespace modelgate::eval {
namespace {

using Json = nlohmann::json;

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

void SendError(httplib::Response& res, int status, const std::string& message, const std::string& type,
               const std::string& code = "") {
  Json err = {{"error",
               {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code.empty() ? Json() : Json(code)}}}};
  res.status = status;
  res.set_content(Dump(err), "application/json");
}

const char* ErrorType(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 413: return "invalid_request_error";
    case 429: return "rate_limit_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

// Compares without an early exit, so response timing does not reveal how
// much of a guessed key was right.
bool SameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0;
}

Json Usage(const std::vector<Generation>& gens) {
  std::uint64_t prompt = 0;
  std::uint64_t completion = 0;
  for (const Generation& g : gens) {
    prompt += g.prompt_tokens;
    completion += g.completion_tokens;
  }
  return {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
}

std::string SseEvent(const Json& j) { return "data: " + Dump(j) + "\n\n"; }

}  // namespace

struct OpenAiServer::Impl {
  Backend* backend;
  ServeOptions options;
  Limits limits;
  httplib::Server server;
  std::mutex backend_mu;
  std::atomic<std::uint64_t> next_id{1};
  int port = -1;
  std::thread thread;
  std::mutex state_mu;
  std::condition_variable stopped_cv;
  bool started = false;
  bool stopped = false;

  Impl(Backend* b, ServeOptions o, const Limits& l) : backend(b), options(std::move(o)), limits(l) {}

  void Routes() {
    server.set_payload_max_length(limits.max_http_body_bytes);
    // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which
    // would let a second server bind the same port and take half the
    // connections instead of failing.
    server.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (options.api_key.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const std::string auth = req.get_header_value("Authorization");
      const std::string prefix = "Bearer ";
      if (auth.rfind(prefix, 0) != 0 || !SameSecret(auth.substr(prefix.size()), options.api_key)) {
        SendError(res, 401, "Incorrect API key provided.", "authentication_error", "invalid_api_key");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Fills in an OpenAI-shaped body for errors httplib produces itself
    // (404 unknown route, 413 body too large, 400 malformed request line).
    server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const std::string message = res.status == 413   ? "Request body too large."
                                  : res.status == 404 ? "Unknown endpoint."
                                                      : "Request failed (HTTP " + std::to_string(res.status) + ").";
      SendError(res, res.status, message, ErrorType(res.status));
      return httplib::Server::HandlerResponse::Handled;
    }));
    server.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      Json list = {{"object", "list"},
                   {"data", Json::array({{{"id", options.model_name},
                                          {"object", "model"},
                                          {"created", 0},
                                          {"owned_by", "modelgate"}}})}};
      res.set_content(Dump(list), "application/json");
    });
    server.Post("/v1/completions",
                [this](const httplib::Request& req, httplib::Response& res) { Complete(req, res, false); });
    server.Post("/v1/chat/completions",
                [this](const httplib::Request& req, httplib::Response& res) { Complete(req, res, true); });
  }

  void Complete(const httplib::Request& req, httplib::Response& res, bool chat) {
    Result<ParsedCompletionRequest> parsed = ParseCompletionRequestBody(req.body, chat, limits);
    if (!parsed.ok()) {
      SendError(res, 400, parsed.status().message(), "invalid_request_error");
      return;
    }
    const ParsedCompletionRequest& p = parsed.value();
    if (!p.model.empty() && p.model != options.model_name) {
      SendError(res, 404, "The model '" + p.model.substr(0, 200) + "' does not exist.", "not_found_error",
                "model_not_found");
      return;
    }
    Result<std::vector<Generation>> gens = Status::Ok();
    {
      std::lock_guard<std::mutex> lock(backend_mu);
      gens = backend->Generate(p.requests);
    }
    if (!gens.ok()) {
      SendError(res, 500, "generation failed: " + gens.status().message(), "server_error");
      return;
    }
    if (gens->size() != p.requests.size()) {
      SendError(res, 500, "generation failed: backend returned a wrong number of results", "server_error");
      return;
    }
    const std::string id = (chat ? "chatcmpl-" : "cmpl-") + std::to_string(next_id.fetch_add(1));
    const std::int64_t created = static_cast<std::int64_t>(std::time(nullptr));
    const char* object = chat ? "chat.completion" : "text_completion";
    if (p.stream) {
      res.set_content(StreamBody(gens.value(), id, created, chat), "text/event-stream");
      res.set_header("Cache-Control", "no-cache");
      return;
    }
    Json choices = Json::array();
    for (std::size_t i = 0; i < gens->size(); ++i) {
      const Generation& g = gens.value()[i];
      Json c = {{"index", i}, {"logprobs", nullptr}, {"finish_reason", g.finish_reason}};
      if (chat) {
        c["message"] = {{"role", "assistant"}, {"content", g.text}};
      } else {
        c["text"] = g.text;
      }
      choices.push_back(std::move(c));
    }
    Json body = {{"id", id},           {"object", object},           {"created", created},
                 {"model", options.model_name}, {"choices", std::move(choices)}, {"usage", Usage(gens.value())}};
    res.set_content(Dump(body), "application/json");
  }

  std::string StreamBody(const std::vector<Generation>& gens, const std::string& id, std::int64_t created,
                         bool chat) const {
    const char* object = chat ? "chat.completion.chunk" : "text_completion";
    auto chunk = [&](Json choice) {
      return Json{{"id", id}, {"object", object}, {"created", created}, {"model", options.model_name},
                  {"choices", Json::array({std::move(choice)})}};
    };
    std::string out;
    for (std::size_t i = 0; i < gens.size(); ++i) {
      const Generation& g = gens[i];
      if (chat) {
        out += SseEvent(chunk({{"index", i}, {"delta", {{"role", "assistant"}, {"content", g.text}}},
                               {"logprobs", nullptr}, {"finish_reason", nullptr}}));
        out += SseEvent(chunk({{"index", i}, {"delta", Json::object()}, {"logprobs", nullptr},
                               {"finish_reason", g.finish_reason}}));
      } else {
        out += SseEvent(chunk({{"index", i}, {"text", g.text}, {"logprobs", nullptr}, {"finish_reason", nullptr}}));
        out += SseEvent(chunk({{"index", i}, {"text", ""}, {"logprobs", nullptr}, {"finish_reason", g.finish_reason}}));
      }
    }
    return out + "data: [DONE]\n\n";
  }
};

OpenAiServer::OpenAiServer(Backend* backend, ServeOptions options, const Limits& limits)
    : impl_(std::make_unique<Impl>(backend, std::move(options), limits)) {
  impl_->Routes();
}

OpenAiServer::~OpenAiServer() {
  Stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Status OpenAiServer::Start() {
  {
    std::lock_guard<std::mutex> lock(impl_->state_mu);
    if (impl_->started) return Status::InvalidArgument("serve: already started");
    impl_->started = true;
  }
  const ServeOptions& o = impl_->options;
  if (o.port < 0 || o.port > 65535) return Status::InvalidArgument("serve: port out of range");
  if (o.port == 0) {
    impl_->port = impl_->server.bind_to_any_port(o.host);
  } else {
    impl_->port = impl_->server.bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (impl_->port <= 0) {
    std::lock_guard<std::mutex> lock(impl_->state_mu);
    impl_->stopped = true;
    impl_->stopped_cv.notify_all();
    return Status::IOError("serve: cannot bind " + o.host + ":" + std::to_string(o.port));
  }
  impl_->thread = std::thread([impl = impl_.get()] {
    impl->server.listen_after_bind();
    std::lock_guard<std::mutex> lock(impl->state_mu);
    impl->stopped = true;
    impl->stopped_cv.notify_all();
  });
  // Return once the accept loop runs, so callers can connect immediately.
  while (!impl_->server.is_running()) {
    {
      std::lock_guard<std::mutex> lock(impl_->state_mu);
      if (impl_->stopped) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::Ok();
}

int OpenAiServer::port() const { return impl_->port; }

void OpenAiServer::Wait() {
  std::unique_lock<std::mutex> lock(impl_->state_mu);
  if (!impl_->started) return;
  impl_->stopped_cv.wait(lock, [this] { return impl_->stopped; });
}

void OpenAiServer::Stop() { impl_->server.stop(); }

}  // namespace modelgate::eval
