// `modelgate sandbox-probe [--connect HOST:PORT]... [--write DIR]...
// [--sandboxed]`: tries to reach the network, write files and read the
// environment, and prints what succeeded as JSON (docs/eval/sandbox.md).
// Exit 0 when every attempt was blocked, 1 otherwise, 2 on usage errors.
// With --sandboxed it runs itself under the evaluation sandbox (the DIRs
// bound read-only), which is how to check the sandbox on a given machine.
#include <unistd.h>

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "eval/sandbox/sandbox.h"

namespace modelgate::cli {
namespace {

struct SandboxProbeArgs {
  std::vector<std::string> connect;
  std::vector<std::string> write;
  bool sandboxed = false;
};

int RunSandboxProbe(const SandboxProbeArgs& args) {
  namespace ev = modelgate::eval;
  if (args.sandboxed) {
    Status available = ev::SandboxAvailable();
    if (!available.ok()) {
      std::cerr << "modelgate sandbox-probe: " << available.ToString() << "\n";
      return kExitUsage;
    }
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
      std::cerr << "modelgate sandbox-probe: cannot resolve /proc/self/exe\n";
      return kExitUsage;
    }
    const std::string exe(self, static_cast<std::size_t>(n));
    std::vector<std::string> argv = {exe, "sandbox-probe"};
    ev::SandboxPolicy policy;
    policy.read_only = {exe};
    policy.timeout_seconds = 60;
    for (const std::string& c : args.connect) argv.insert(argv.end(), {"--connect", c});
    for (const std::string& w : args.write) {
      argv.insert(argv.end(), {"--write", w});
      policy.read_only.push_back(w);
    }
    Result<ev::ProcessOutput> run = ev::RunSandboxed(argv, "", policy);
    if (!run.ok()) {
      std::cerr << "modelgate sandbox-probe: " << run.status().ToString() << "\n";
      return kExitUsage;
    }
    std::cout << run->out;
    std::cerr << run->err;
    return run->exit_code == kExitClean || run->exit_code == kExitFindings ? run->exit_code : kExitUsage;
  }
  ev::SandboxProbeReport report = ev::ProbeSandbox(args.connect, args.write);
  nlohmann::json attempts = nlohmann::json::array();
  for (const ev::ProbeAttempt& a : report.attempts) {
    attempts.push_back({{"what", a.what}, {"blocked", a.blocked}, {"result", a.result}});
  }
  nlohmann::json out = {{"all_blocked", report.AllBlocked()}, {"attempts", attempts}};
  std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return report.AllBlocked() ? kExitClean : kExitFindings;
}

}  // namespace

CommandRunner RegisterSandboxProbe(CLI::App& app) {
  auto args = std::make_shared<SandboxProbeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sandbox-probe", "Try to reach the network, write files and read the environment; print what succeeded (JSON)");
  cmd->add_option("--connect", args->connect, "TCP target to try, numeric HOST:PORT or [V6]:PORT (repeatable)");
  cmd->add_option("--write", args->write, "Folder to try creating a file in (repeatable)");
  cmd->add_flag("--sandboxed", args->sandboxed, "Run the probe inside the evaluation sandbox (bubblewrap)");
  return [args] { return RunSandboxProbe(*args); };
}

}  // namespace modelgate::cli
