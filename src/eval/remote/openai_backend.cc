// OpenAI-compatible client over cpp-httplib. Requests of one Generate()
// call run concurrently (ParallelFor, options.concurrency in flight), each
// on its own connection: httplib::Client is not thread-safe. Response
// bodies are received through a bounded receiver, so a hostile server
// cannot make us buffer more than max_http_body_bytes.
#include "eval/remote/openai_backend.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "base/parallel.h"
#include "eval/remote/openai_response.h"

namespace modelgate::eval {
namespace {

constexpr int kConnectTimeoutSeconds = 10;
constexpr int kMaxBackoffMillis = 8000;

struct Endpoint {
  std::string scheme_host_port;  // "http://127.0.0.1:8000"
  std::string prefix;            // "/v1"
};

Result<Endpoint> ParseBaseUrl(const std::string& url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Status::InvalidArgument("remote: base URL has no scheme: " + url);
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument("remote: base URL must be http:// or https://: " + url);
  }
  const std::size_t host_start = scheme_end + 3;
  std::size_t path_start = url.find('/', host_start);
  if (path_start == std::string::npos) path_start = url.size();
  const std::string authority = url.substr(host_start, path_start - host_start);
  if (authority.empty()) return Status::InvalidArgument("remote: base URL has no host: " + url);
  if (authority.find_first_of("@?# ") != std::string::npos) {
    return Status::InvalidArgument("remote: base URL authority must be host[:port]: " + url);
  }
  Endpoint e{scheme + "://" + authority, url.substr(path_start)};
  if (e.prefix.find_first_of("?# ") != std::string::npos) {
    return Status::InvalidArgument("remote: base URL path must be a plain path: " + url);
  }
  while (!e.prefix.empty() && e.prefix.back() == '/') e.prefix.pop_back();
  if (e.prefix.empty()) e.prefix = "/v1";
  return e;
}

struct HttpReply {
  int status = 0;        // 0 = no response (connection error)
  std::string body;
  std::string error;     // transport error text when status == 0
};

bool Retriable(const HttpReply& r) { return r.status == 0 || r.status == 429 || r.status >= 500; }

class OpenAiBackend : public Backend {
 public:
  OpenAiBackend(RemoteOptions options, Endpoint endpoint, const Limits& limits)
      : options_(std::move(options)), endpoint_(std::move(endpoint)), limits_(limits),
        logprobs_(options_.logprobs) {}

  std::string Describe() const override { return options_.base_url + " model=" + options_.model; }

  Result<std::vector<Generation>> Generate(std::span<const GenerationRequest> requests) override {
    if (options_.model.empty()) MODELGATE_RETURN_IF_ERROR(DiscoverModel());
    std::vector<Generation> out(requests.size());
    std::vector<Status> errors(requests.size());
    ParallelFor(requests.size(), std::max(1u, options_.concurrency), [&](std::size_t i) {
      Result<Generation> g = GenerateOne(requests[i]);
      if (g.ok()) {
        out[i] = std::move(g.value());
      } else {
        errors[i] = g.status();
      }
    });
    for (std::size_t i = 0; i < errors.size(); ++i) {
      if (!errors[i].ok()) {
        const std::string msg = "remote request " + std::to_string(i) + ": " + errors[i].message();
        switch (errors[i].code()) {
          case StatusCode::kCorruption: return Status::Corruption(msg);
          case StatusCode::kLimitExceeded: return Status::LimitExceeded(msg);
          case StatusCode::kInvalidArgument: return Status::InvalidArgument(msg);
          default: return Status::IOError(msg);
        }
      }
    }
    return out;
  }

 private:
  HttpReply Send(const std::string& method, const std::string& path, const std::string& body) const {
    httplib::Client client(endpoint_.scheme_host_port);
    client.set_connection_timeout(kConnectTimeoutSeconds, 0);
    client.set_read_timeout(options_.timeout_seconds, 0);
    client.set_write_timeout(options_.timeout_seconds, 0);
    httplib::Request req;
    req.method = method;
    req.path = endpoint_.prefix + path;
    req.headers = {{"Accept", "application/json"}};
    if (!options_.api_key.empty()) req.headers.emplace("Authorization", "Bearer " + options_.api_key);
    if (!body.empty()) {
      req.headers.emplace("Content-Type", "application/json");
      req.body = body;
    }
    HttpReply reply;
    bool too_large = false;
    const std::uint64_t max = limits_.max_http_body_bytes;
    req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
      if (reply.body.size() + n > max) {
        too_large = true;
        return false;
      }
      reply.body.append(data, n);
      return true;
    };
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    if (!client.send(req, res, error)) {
      reply.error = too_large ? "response body larger than " + std::to_string(max) + " bytes"
                              : httplib::to_string(error);
      reply.status = too_large ? -1 : 0;
      return reply;
    }
    reply.status = res.status;
    return reply;
  }

  // Send with retries on connection errors, 429 and 5xx: backoff 500 ms,
  // 1 s, 2 s, ... (capped at 8 s).
  HttpReply SendWithRetries(const std::string& method, const std::string& path, const std::string& body) const {
    HttpReply reply;
    for (int attempt = 0;; ++attempt) {
      reply = Send(method, path, body);
      if (!Retriable(reply) || attempt >= options_.retries) return reply;
      const int backoff = std::min(kMaxBackoffMillis, 500 << std::min(attempt, 4));
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
    }
  }

  static Status ReplyError(const std::string& what, const HttpReply& r) {
    if (r.status == -1) return Status::LimitExceeded(what + ": " + r.error);
    if (r.status == 0) return Status::IOError(what + ": " + r.error);
    return Status::IOError(what + ": HTTP " + std::to_string(r.status) + ": " + ErrorMessageFromBody(r.body));
  }

  Status DiscoverModel() {
    HttpReply r = SendWithRetries("GET", "/models", "");
    if (r.status != 200) return ReplyError("GET " + endpoint_.prefix + "/models", r);
    Result<std::vector<std::string>> ids = ParseModelList(r.body, limits_);
    if (!ids.ok()) return ids.status();
    if (ids->empty()) return Status::InvalidArgument("remote: the server lists no models; pass --model");
    options_.model = (ids.value())[0];
    return Status::Ok();
  }

  Result<Generation> GenerateOne(const GenerationRequest& request) {
    const std::string path = request.chat ? "/chat/completions" : "/completions";
    bool with_logprobs = logprobs_.load();
    HttpReply r = SendWithRetries("POST", path, BuildCompletionRequestBody(request, options_.model, with_logprobs));
    if (with_logprobs && r.status >= 400 && r.status < 500 && r.status != 401 && r.status != 403 &&
        r.status != 429) {
      // Servers without logprobs support refuse the field; ask once more
      // without it and stop asking for later requests.
      HttpReply plain = SendWithRetries("POST", path, BuildCompletionRequestBody(request, options_.model, false));
      if (plain.status == 200) logprobs_.store(false);
      r = std::move(plain);
    }
    if (r.status != 200) return ReplyError("POST " + endpoint_.prefix + path, r);
    return ParseCompletionResponse(r.body, request.chat, limits_);
  }

  RemoteOptions options_;
  Endpoint endpoint_;
  Limits limits_;
  std::atomic<bool> logprobs_;
};

}  // namespace

Result<std::unique_ptr<Backend>> OpenRemoteBackend(const RemoteOptions& options, const Limits& limits) {
  Result<Endpoint> endpoint = ParseBaseUrl(options.base_url);
  if (!endpoint.ok()) return endpoint.status();
  if (options.timeout_seconds <= 0) return Status::InvalidArgument("remote: timeout must be positive");
  if (options.retries < 0) return Status::InvalidArgument("remote: retries must not be negative");
  if (options.api_key.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("remote: API key holds a line break");
  }
  return std::unique_ptr<Backend>(std::make_unique<OpenAiBackend>(options, std::move(endpoint.value()), limits));
}

}  // namespace modelgate::eval
