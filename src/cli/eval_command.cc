// `modelgate eval MODEL --suite FILE`: re-run evaluations in a sandbox,
// compare them with the claimed results and with the base, probe for
// triggers (docs/eval/eval.md).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "base/json_depth.h"
#include "cli/commands.h"
#include "cli/eval_output.h"
#include "cli/forensics_output.h"
#include "eval/evaluate.h"
#include "eval/remote/openai_backend.h"
#include "eval/sandbox/sandbox.h"
#include "eval/sandbox/worker_backend.h"

namespace modelgate::cli {
namespace {

struct EvalArgs {
  std::string model;
  std::vector<std::string> suites;
  std::string base;
  std::string endpoint;
  std::string endpoint_model;
  std::string base_endpoint;
  std::string base_endpoint_model;
  std::string api_key_env = "OPENAI_API_KEY";
  std::string claims = "auto";
  bool probe = false;
  std::vector<std::string> triggers;
  std::size_t sweep = 16;
  std::size_t probe_cases = 40;
  double alpha = 0.01;
  unsigned threads = 0;
  bool no_sandbox = false;
  int timeout = 3600;
  bool progress = false;
  ForensicsOutputOptions output;
};

bool NeedsCodeChecks(const std::vector<eval::Suite>& suites) {
  for (const eval::Suite& s : suites) {
    for (const eval::SuiteCase& c : s.cases) {
      for (const eval::Check& k : c.checks) {
        if (k.type == eval::CheckType::kCode) return true;
      }
    }
  }
  return false;
}

std::string SelfExecutable() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

// A TCP listener on the host's loopback: the sandbox probe must not reach
// it (the sandbox has its own network namespace). Returns the fd and port.
int OpenLoopbackListener(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 1) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// Runs `modelgate sandbox-probe` inside the sandbox the model will run in;
// every attempt that was not blocked becomes a critical finding.
Json ProbeSandbox(const std::string& exe, const std::string& model_dir, std::vector<Finding>* findings) {
  int port = 0;
  const int listener = OpenLoopbackListener(&port);
  std::vector<std::string> argv = {exe, "sandbox-probe", "--connect", "1.1.1.1:443", "--write", model_dir,
                                   "--write", "/usr"};
  if (listener >= 0) {
    argv.push_back("--connect");
    argv.push_back(fmt::format("127.0.0.1:{}", port));
  }
  eval::SandboxPolicy policy;
  policy.read_only = {exe, model_dir};
  policy.timeout_seconds = 60;
  Result<eval::ProcessOutput> out = eval::RunSandboxed(argv, "", policy);
  if (listener >= 0) close(listener);
  Json probe = Json(nullptr);
  if (out.ok() && JsonDepth(out->out, 16) <= 16) probe = Json::parse(out->out, nullptr, false);
  if (!out.ok() || probe.is_discarded() || !probe.is_object() || !probe.contains("attempts") ||
      !probe["attempts"].is_array()) {
    Finding f;
    f.id = "EVAL-SANDBOX-UNVERIFIED";
    f.severity = Severity::kMedium;
    f.title = "the sandbox probe did not report";
    f.path = model_dir;
    f.detail = "The in-sandbox probe (network connects, writes outside /tmp) could not be run or read: " +
               (out.ok() ? "exit " + std::to_string(out->exit_code) + ", " + out->err : out.status().ToString());
    findings->push_back(std::move(f));
    return Json(nullptr);
  }
  for (const Json& a : probe["attempts"]) {
    if (!a.is_object() || a.value("blocked", false)) continue;
    Finding f;
    f.id = "EVAL-SANDBOX-LEAK";
    f.severity = Severity::kCritical;
    f.title = "the evaluation sandbox let an attempt through: " + a.value("what", std::string("?"));
    f.path = model_dir;
    f.detail = "Inside the sandbox the evaluation runs in, \"" + a.value("what", std::string("?")) + "\" " +
               a.value("result", std::string("succeeded")) +
               ". The sandbox does not isolate the model as documented; do not trust this machine's evaluations.";
    findings->push_back(std::move(f));
  }
  return probe;
}

Result<std::unique_ptr<eval::Backend>> MakeBackend(const EvalArgs& a, const std::string& dir, const std::string& url,
                                                   const std::string& model_name, const std::string& exe,
                                                   const Limits& limits) {
  if (!url.empty()) {
    eval::RemoteOptions r;
    r.base_url = url;
    r.model = model_name;
    if (const char* key = std::getenv(a.api_key_env.c_str())) r.api_key = key;
    r.timeout_seconds = a.timeout;
    return eval::OpenRemoteBackend(r, limits);
  }
  eval::WorkerOptions w;
  w.executable = exe;
  w.model_dir = dir;
  w.threads = a.threads;
  w.sandbox = !a.no_sandbox;
  w.timeout_seconds = a.timeout;
  return eval::OpenWorkerBackend(w, limits);
}

int Fail(const std::string& message) {
  std::cerr << "modelgate eval: " << message << "\n";
  return kExitUsage;
}

int RunEval(const EvalArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  const Limits limits;
  if (a.model.empty() && a.endpoint.empty()) return Fail("give a model folder, or --endpoint");
  if (!a.model.empty() && !std::filesystem::is_directory(a.model)) return Fail(a.model + ": not a folder");
  if (a.suites.empty()) return Fail("give at least one --suite");
  eval::EvalOptions o;
  o.model = a.model;
  o.base = a.base;
  o.read_claims = a.claims == "auto";
  o.alpha = a.alpha;
  o.probe = a.probe;
  o.user_triggers = a.triggers;
  o.sweep = a.sweep;
  o.probe_options.cases = a.probe_cases;
  o.probe_options.alpha = a.alpha;
  o.limits = limits;
  const bool show_progress = a.progress || isatty(STDERR_FILENO);
  if (show_progress) o.progress = [](const std::string& line) { std::cerr << "\r\033[K" << line << std::flush; };
  for (const std::string& path : a.suites) {
    Result<eval::Suite> s = eval::LoadSuite(path, limits);
    if (!s.ok()) return Fail(path + ": " + s.status().ToString());
    o.suites.push_back(std::move(s).value());
  }

  const bool local = a.endpoint.empty() || (!a.base.empty() && a.base_endpoint.empty());
  const bool needs_sandbox = local || NeedsCodeChecks(o.suites);
  EvalRunFacts facts;
  std::vector<Finding> extra;
  const std::string exe = SelfExecutable();
  if (needs_sandbox && !a.no_sandbox) {
    if (Status st = eval::SandboxAvailable(); !st.ok()) {
      return Fail("refusing to evaluate without a sandbox: " + st.message() +
                  ". Install bubblewrap and allow user namespaces, or pass --no-sandbox to run unisolated.");
    }
    facts.sandbox = "bubblewrap (no network, read-only model, private /tmp, empty environment)";
    facts.sandbox_probe =
        ProbeSandbox(exe, a.model.empty() ? "/usr" : std::filesystem::absolute(a.model).string(), &extra);
  } else if (needs_sandbox) {
    facts.sandbox = "none (--no-sandbox)";
    Finding f;
    f.id = "EVAL-UNSANDBOXED";
    f.severity = Severity::kLow;
    f.title = "the evaluation ran without a sandbox (--no-sandbox)";
    f.path = a.model.empty() ? a.endpoint : a.model;
    f.detail = "The model and Bandit ran with this user's network, files and environment.";
    extra.push_back(std::move(f));
  } else {
    facts.sandbox = "not needed (remote endpoint, no code checks)";
  }

  auto candidate = MakeBackend(a, a.model, a.endpoint, a.endpoint_model, exe, limits);
  if (!candidate.ok()) return Fail("candidate: " + candidate.status().ToString());
  std::unique_ptr<eval::Backend> base;
  if (!a.base.empty() || !a.base_endpoint.empty()) {
    auto b = MakeBackend(a, a.base, a.base_endpoint, a.base_endpoint_model, exe, limits);
    if (!b.ok()) return Fail("base: " + b.status().ToString());
    base = std::move(b).value();
  }
  eval::ProcessRunner bandit = [&a](const std::vector<std::string>& argv,
                                    const std::string& work_dir) -> Result<std::string> {
    Result<eval::ProcessOutput> out = [&]() {
      if (a.no_sandbox) return eval::RunUnsandboxed(argv, "", 600);
      eval::SandboxPolicy p;
      p.read_only = {work_dir};
      p.timeout_seconds = 600;
      return eval::RunSandboxed(argv, "", p);
    }();
    if (!out.ok()) return out.status();
    if (out->timed_out || out->signal != 0) return Status::IOError("bandit did not finish: " + out->err);
    return out->out;
  };

  Result<eval::EvalReport> report = eval::Evaluate(o, *candidate.value(), base.get(), bandit);
  if (show_progress) std::cerr << "\r\033[K";
  if (!report.ok()) {
    const std::string& m = report.status().message();
    if (m.find("network attempt") != std::string::npos) {
      std::cerr << "modelgate eval: CRITICAL: the model worker tried to reach the network: " << m << "\n";
      return kExitFindings;
    }
    return Fail(report.status().ToString());
  }
  eval::EvalReport& r = report.value();
  r.findings.insert(r.findings.begin(), extra.begin(), extra.end());
  facts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return WriteForensicsReport("eval", a.model.empty() ? a.endpoint : a.model, r.findings, EvalBody(r, facts),
                              EvalTables(r, facts), a.output);
}

}  // namespace

CommandRunner RegisterEval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Re-run evaluation suites on a model, in a sandbox, and compare with what its authors claim\n"
      "(evaluation_results.json, the model card's model-index) and with the base it derives from;\n"
      "optionally probe for backdoor triggers. Never trusts submitted results; never executes code\n"
      "from the model folder. Exit codes: 0 nothing at or above --fail-on; 1 findings at or above\n"
      "it; 2 usage error, unreadable input, failed evaluation, or no sandbox without --no-sandbox.");
  cmd->add_option("model", args->model,
                  "Model folder (config.json, safetensors, tokenizer.json; its claimed results are read)");
  cmd->add_option("--suite", args->suites, "Suite file (YAML or JSONL, docs/eval/suites.md); repeatable")->required();
  cmd->add_option("--base", args->base, "Base model folder: run the suites on it too and test every change");
  cmd->add_option("--endpoint", args->endpoint,
                  "Evaluate the model served at this OpenAI-compatible URL (http://host:port/v1) instead");
  cmd->add_option("--endpoint-model", args->endpoint_model, "Model name sent to --endpoint (default: the first listed)");
  cmd->add_option("--base-endpoint", args->base_endpoint, "The base, served at an OpenAI-compatible URL");
  cmd->add_option("--base-endpoint-model", args->base_endpoint_model, "Model name sent to --base-endpoint");
  cmd->add_option("--api-key-env", args->api_key_env, "Environment variable holding the endpoints' API key")
      ->capture_default_str();
  cmd->add_option("--claims", args->claims, "auto: check the model folder's claimed results; none: skip")
      ->check(CLI::IsMember({"auto", "none"}))
      ->capture_default_str();
  cmd->add_flag("--probe-triggers", args->probe,
                "Insert candidate triggers (diff against --base, --trigger, a rare-token sweep) into the suites' prompts");
  cmd->add_option("--trigger", args->triggers, "A trigger to probe (repeatable; implies nothing without --probe-triggers)");
  cmd->add_option("--sweep", args->sweep, "Rare whole-word tokens of the model's vocabulary to probe")
      ->capture_default_str();
  cmd->add_option("--probe-cases", args->probe_cases, "Suite cases each trigger is probed on")->capture_default_str();
  cmd->add_option("--alpha", args->alpha, "Significance level for base comparisons and (family-wise) trigger flips")
      ->check(CLI::Range(1e-9, 0.5))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Runtime threads per model (0 = one per core)")->capture_default_str();
  cmd->add_flag("--no-sandbox", args->no_sandbox,
                "Run the model and Bandit without bubblewrap (only where user namespaces are unavailable)");
  cmd->add_option("--timeout", args->timeout, "Seconds one batch of generations may take")->capture_default_str();
  cmd->add_flag("--progress", args->progress, "Show progress on stderr even when it is not a terminal");
  AddForensicsOutputOptions(cmd, &args->output);
  return [args] { return RunEval(*args); };
}

}  // namespace modelgate::cli
