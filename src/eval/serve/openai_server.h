// OpenAiServer: serves a Backend on the OpenAI-compatible HTTP API
// (GET /v1/models, POST /v1/completions, POST /v1/chat/completions;
// non-streaming and "stream": true server-sent events), for
// `modelgate serve-model` and for testing the remote backend against a
// real server (docs/eval/remote.md). Requests are untrusted: bodies are
// bounded by max_http_body_bytes and every field is validated.
#ifndef MODELGATE_EVAL_SERVE_OPENAI_SERVER_H_
#define MODELGATE_EVAL_SERVE_OPENAI_SERVER_H_

#include <memory>
#include <string>

#include "eval/backend.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8000;               // 0 = any free port (see OpenAiServer::port())
  std::string model_name;        // reported by /v1/models and echoed in responses
  std::string api_key;           // when set, requests must carry it as a Bearer token
};

class OpenAiServer {
 public:
  // `backend` must outlive the server; calls into it are serialised.
  OpenAiServer(Backend* backend, ServeOptions options, const Limits& limits);
  ~OpenAiServer();  // stops
  OpenAiServer(const OpenAiServer&) = delete;
  OpenAiServer& operator=(const OpenAiServer&) = delete;

  // Binds and starts serving on a background thread. Returns kIOError when
  // the address cannot be bound.
  Status Start();
  int port() const;   // the bound port, after Start()
  // Blocks until Stop() is called (from another thread or a signal handler).
  void Wait();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SERVE_OPENAI_SERVER_H_
