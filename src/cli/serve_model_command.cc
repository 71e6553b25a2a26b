// `modelgate serve-model MODEL_DIR`: the built-in CPU runtime on the
// OpenAI-compatible HTTP API (docs/eval/remote.md).
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "eval/runtime/local_backend.h"
#include "eval/serve/openai_server.h"

namespace modelgate::cli {
namespace {

struct ServeArgs {
  std::string model;
  eval::ServeOptions serve;
  std::string api_key_env;
  unsigned threads = 0;
  std::uint32_t max_batch = 16;
};

eval::OpenAiServer* g_server = nullptr;

void StopOnSignal(int) {
  if (g_server != nullptr) g_server->Stop();
}

int RunServe(ServeArgs a) {
  const Limits limits;
  eval::RuntimeOptions options;
  options.threads = a.threads;
  options.max_batch = a.max_batch;
  Result<std::unique_ptr<eval::Backend>> backend = eval::OpenLocalBackend(a.model, options, limits);
  if (!backend.ok()) {
    std::cerr << "modelgate serve-model: " << a.model << ": " << backend.status().ToString() << "\n";
    return kExitUsage;
  }
  if (a.serve.model_name.empty()) a.serve.model_name = std::filesystem::path(a.model).filename().string();
  if (!a.api_key_env.empty()) {
    const char* key = std::getenv(a.api_key_env.c_str());
    if (key == nullptr || *key == '\0') {
      std::cerr << "modelgate serve-model: " << a.api_key_env << " is not set\n";
      return kExitUsage;
    }
    a.serve.api_key = key;
  }
  eval::OpenAiServer server(backend.value().get(), a.serve, limits);
  if (Status st = server.Start(); !st.ok()) {
    std::cerr << "modelgate serve-model: " << st.ToString() << "\n";
    return kExitUsage;
  }
  g_server = &server;
  std::signal(SIGINT, StopOnSignal);
  std::signal(SIGTERM, StopOnSignal);
  std::cerr << "modelgate serve-model: " << backend.value()->Describe() << " on http://" << a.serve.host << ":"
            << server.port() << "/v1 as \"" << a.serve.model_name << "\"\n";
  server.Wait();
  g_server = nullptr;
  return kExitClean;
}

}  // namespace

CommandRunner RegisterServeModel(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve-model",
      "Serve a model folder with the built-in CPU runtime on an OpenAI-compatible API\n"
      "(GET /v1/models, POST /v1/completions, POST /v1/chat/completions). The runtime executes no code\n"
      "from the folder, but it runs in this process: isolate it yourself when the model is untrusted.\n"
      "Exit codes: 0 stopped by SIGINT/SIGTERM; 2 the model cannot be loaded or the address bound.");
  cmd->add_option("model", args->model, "Model folder (config.json, safetensors, tokenizer.json)")->required();
  cmd->add_option("--host", args->serve.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", args->serve.port, "Port (0 = any free port, printed on stderr)")->capture_default_str();
  cmd->add_option("--model-name", args->serve.model_name, "Name served by /v1/models (default: the folder name)");
  cmd->add_option("--api-key-env", args->api_key_env,
                  "Environment variable holding a key that requests must send as a Bearer token");
  cmd->add_option("--threads", args->threads, "Runtime threads (0 = one per core)")->capture_default_str();
  cmd->add_option("--max-batch", args->max_batch, "Requests decoded together")->capture_default_str();
  return [args] { return RunServe(*args); };
}

}  // namespace modelgate::cli
