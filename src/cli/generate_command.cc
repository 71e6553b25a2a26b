// `modelgate generate MODEL_DIR`: the evaluation worker. Reads generation
// requests as JSONL on stdin, runs the built-in CPU runtime, writes one
// generation per line on stdout (eval/generation_json.h). `modelgate eval`
// starts it inside the sandbox (docs/eval/sandbox.md); it is not meant to
// be run by hand, but it can be, to test a model folder.
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "eval/generation_json.h"
#include "eval/runtime/local_backend.h"
#include "eval/sandbox/network_trap.h"

namespace modelgate::cli {
namespace {

struct GenerateArgs {
  std::string model;
  unsigned threads = 0;
  std::uint32_t max_batch = 16;
  bool no_trap = false;
};

int RunGenerate(const GenerateArgs& a) {
  // Before any thread exists (the filter covers threads created later).
  if (!a.no_trap) {
    if (Status st = eval::InstallNetworkTrap(); !st.ok()) {
      std::cerr << "modelgate generate: network trap not installed: " << st.ToString() << "\n";
    }
  }
  const Limits limits;
  const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  Result<std::vector<eval::GenerationRequest>> requests = eval::ParseRequestLines(input, limits);
  if (!requests.ok()) {
    std::cerr << "modelgate generate: " << requests.status().ToString() << "\n";
    return kExitUsage;
  }
  eval::RuntimeOptions options;
  options.threads = a.threads;
  options.max_batch = a.max_batch;
  Result<std::unique_ptr<eval::Backend>> backend = eval::OpenLocalBackend(a.model, options, limits);
  if (!backend.ok()) {
    std::cerr << "modelgate generate: " << a.model << ": " << backend.status().ToString() << "\n";
    return kExitUsage;
  }
  Result<std::vector<eval::Generation>> out = backend.value()->Generate(requests.value());
  if (!out.ok()) {
    std::cerr << "modelgate generate: " << out.status().ToString() << "\n";
    return kExitUsage;
  }
  for (const eval::Generation& g : out.value()) std::cout << eval::GenerationToJsonLine(g) << "\n";
  std::cout.flush();
  if (const std::uint64_t n = eval::NetworkAttemptsTrapped(); n > 0) {
    std::cerr << "modelgate generate: " << n << " network attempt(s) trapped and refused\n";
    return kExitFindings;
  }
  return kExitClean;
}

}  // namespace

CommandRunner RegisterGenerate(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "Evaluation worker: run the built-in CPU runtime on MODEL_DIR for the JSONL generation requests\n"
      "on stdin, one JSONL generation per request on stdout (started by `modelgate eval` in its sandbox).\n"
      "Exit codes: 0 done; 1 done, but network attempts were trapped; 2 bad input or model.");
  cmd->add_option("model", args->model, "Model folder (config.json, safetensors, tokenizer.json)")->required();
  cmd->add_option("--threads", args->threads, "Threads (0 = one per core)")->capture_default_str();
  cmd->add_option("--max-batch", args->max_batch, "Sequences decoded together")->capture_default_str();
  cmd->add_flag("--no-network-trap", args->no_trap, "Do not install the seccomp filter that refuses sockets");
  return [args] { return RunGenerate(*args); };
}

}  // namespace modelgate::cli
