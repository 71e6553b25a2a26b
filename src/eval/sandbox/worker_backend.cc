// One worker process per chunk of requests: start-up costs one model load
// per chunk, which is small next to generation, and a process never
// outlives the call (no state carried between suites).
#include "eval/sandbox/worker_backend.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "eval/generation_json.h"
#include "eval/sandbox/sandbox.h"

namespace modelgate::eval {
namespace {

constexpr std::size_t kStderrTailBytes = 2000;

Result<std::string> RealPath(const std::string& path, const char* what) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) {
    return Status::InvalidArgument(std::string("worker: ") + what + " '" + path + "': " + std::strerror(errno));
  }
  return std::string(buf);
}

std::string StderrTail(const std::string& err) {
  std::string tail = err.size() > kStderrTailBytes ? "..." + err.substr(err.size() - kStderrTailBytes) : err;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  return tail.empty() ? "(no stderr)" : "stderr: " + tail;
}

class WorkerBackend : public Backend {
 public:
  WorkerBackend(WorkerOptions options, const Limits& limits) : options_(std::move(options)), limits_(limits) {}

  std::string Describe() const override {
    std::string d = std::string(options_.sandbox ? "sandboxed" : "unsandboxed") + " worker:" + options_.model_dir;
    if (options_.threads != 0) d += " (" + std::to_string(options_.threads) + " threads)";
    return d;
  }

  Result<std::vector<Generation>> Generate(std::span<const GenerationRequest> requests) override {
    std::vector<Generation> all;
    all.reserve(requests.size());
    const std::size_t chunk = std::max<std::size_t>(1, limits_.max_batch_sequences);
    for (std::size_t begin = 0; begin < requests.size(); begin += chunk) {
      const std::size_t n = std::min(chunk, requests.size() - begin);
      Result<std::vector<Generation>> part = RunChunk(requests.subspan(begin, n));
      if (!part.ok()) return part.status();
      for (Generation& g : part.value()) all.push_back(std::move(g));
    }
    return all;
  }

 private:
  Result<std::vector<Generation>> RunChunk(std::span<const GenerationRequest> requests) {
    std::string input;
    for (const GenerationRequest& r : requests) input += RequestToJsonLine(r) + "\n";
    std::vector<std::string> argv = {options_.executable, "generate", options_.model_dir};
    if (options_.threads != 0) argv.insert(argv.end(), {"--threads", std::to_string(options_.threads)});
    Result<ProcessOutput> run = Status::Ok();
    if (options_.sandbox) {
      SandboxPolicy policy;
      policy.read_only = {options_.executable, options_.model_dir};
      policy.read_only.insert(policy.read_only.end(), options_.read_only.begin(), options_.read_only.end());
      policy.timeout_seconds = options_.timeout_seconds;
      // Every generation at its bound, escaped (x6 for \u00XX), plus room.
      policy.max_output_bytes = (limits_.max_generated_text_bytes * 6 + 4096) * requests.size() + (1u << 20);
      run = RunSandboxed(argv, input, policy);
    } else {
      run = RunUnsandboxed(argv, input, options_.timeout_seconds);
    }
    if (!run.ok()) return run.status();
    const ProcessOutput& out = run.value();
    if (out.timed_out) {
      return Status::LimitExceeded("worker: killed after the " + std::to_string(options_.timeout_seconds) +
                                   " s timeout; " + StderrTail(out.err));
    }
    if (out.output_truncated) {
      return Status::LimitExceeded("worker: killed, output larger than the bound; " + StderrTail(out.err));
    }
    if (out.exit_code != 0) {
      const std::string how = out.signal != 0 ? "killed by signal " + std::to_string(out.signal)
                                              : "exit code " + std::to_string(out.exit_code);
      return Status::IOError("worker: " + how + "; " + StderrTail(out.err));
    }
    Result<std::vector<Generation>> gens = ParseGenerationLines(out.out, limits_);
    if (!gens.ok()) {
      const std::string msg = "worker output: " + gens.status().message() + "; " + StderrTail(out.err);
      return gens.status().code() == StatusCode::kLimitExceeded ? Status::LimitExceeded(msg) : Status::Corruption(msg);
    }
    if (gens->size() != requests.size()) {
      return Status::Corruption("worker output: " + std::to_string(gens->size()) + " generations for " +
                                std::to_string(requests.size()) + " requests; " + StderrTail(out.err));
    }
    return gens;
  }

  WorkerOptions options_;
  Limits limits_;
};

}  // namespace

Result<std::unique_ptr<Backend>> OpenWorkerBackend(const WorkerOptions& options, const Limits& limits) {
  WorkerOptions resolved = options;
  Result<std::string> exe = RealPath(options.executable.empty() ? "/proc/self/exe" : options.executable, "executable");
  if (!exe.ok()) return exe.status();
  if (::access(exe->c_str(), X_OK) != 0) return Status::InvalidArgument("worker: not executable: " + exe.value());
  resolved.executable = exe.value();
  if (options.model_dir.empty()) return Status::InvalidArgument("worker: no model folder");
  Result<std::string> dir = RealPath(options.model_dir, "model folder");
  if (!dir.ok()) return dir.status();
  resolved.model_dir = dir.value();
  resolved.read_only.clear();
  for (const std::string& p : options.read_only) {
    Result<std::string> rp = RealPath(p, "read-only path");
    if (!rp.ok()) return rp.status();
    resolved.read_only.push_back(rp.value());
  }
  if (options.sandbox) MODELGATE_RETURN_IF_ERROR(SandboxAvailable());
  return std::unique_ptr<Backend>(std::make_unique<WorkerBackend>(std::move(resolved), limits));
}

}  // namespace modelgate::eval
