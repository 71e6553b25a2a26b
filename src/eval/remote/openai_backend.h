// A Backend that calls an OpenAI-compatible HTTP endpoint: /v1/completions,
// or /v1/chat/completions for chat requests, as served by vLLM, llama.cpp's
// server, TGI and `modelgate serve-model` (docs/eval/remote.md).
// Responses are untrusted and bounded (max_http_body_bytes).
#ifndef MODELGATE_EVAL_REMOTE_OPENAI_BACKEND_H_
#define MODELGATE_EVAL_REMOTE_OPENAI_BACKEND_H_

#include <memory>
#include <string>

#include "eval/backend.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct RemoteOptions {
  std::string base_url;          // "http://127.0.0.1:8000/v1" (http or https)
  std::string model;             // the "model" field sent; empty = the first of GET /v1/models
  std::string api_key;           // sent as "Authorization: Bearer ..." when not empty
  unsigned concurrency = 4;      // requests in flight
  int timeout_seconds = 300;     // per request
  int retries = 2;               // on connection errors and 429/5xx, with backoff
  bool logprobs = true;          // ask for top-5 logprobs (entropy estimates); retried without on 4xx
};

// Checks the URL (kInvalidArgument) and returns the backend; connects lazily.
Result<std::unique_ptr<Backend>> OpenRemoteBackend(const RemoteOptions& options, const Limits& limits);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_REMOTE_OPENAI_BACKEND_H_
