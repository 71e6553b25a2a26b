// Sandbox: runs a child process under bubblewrap (Debian `bubblewrap`) so
// that an evaluation of an untrusted model has no network, sees the model
// folder read-only, gets a private /tmp and an empty environment
// (docs/eval/sandbox.md).
//
// The runtime never executes code from the model folder; the sandbox is the
// second wall, for the case where a parser bug would let hostile bytes run.
#ifndef MODELGATE_EVAL_SANDBOX_SANDBOX_H_
#define MODELGATE_EVAL_SANDBOX_SANDBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "modelgate/status.h"

namespace modelgate::eval {

struct SandboxPolicy {
  // Paths visible inside, read-only, at the same location (the model
  // folder, the modelgate executable, suite files). System directories
  // needed to run programs (/usr, /lib*, /etc/alternatives, ...) are added
  // read-only by the sandbox itself.
  std::vector<std::string> read_only;
  bool allow_network = false;   // only for tests of the sandbox itself
  int timeout_seconds = 0;      // 0 = none; the child is killed when exceeded
  // Bound on each of stdout and stderr; past it the child is killed and
  // ProcessOutput::output_truncated is set (RunUnsandboxed uses the default).
  std::uint64_t max_output_bytes = 256ull << 20;
};

struct ProcessOutput {
  int exit_code = -1;           // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
  bool output_truncated = false; // a stream passed the bound; the child was killed
  std::string out;              // stdout
  std::string err;              // stderr
};

// OK when bubblewrap is installed and can create its namespaces here
// (it runs `bwrap ... true`); otherwise says why (not installed, user
// namespaces disabled, ...). Cached after the first call.
Status SandboxAvailable();

// Runs argv under bubblewrap with `policy`, feeding `input` on stdin.
// Returns non-OK only when the process cannot be started; the child's own
// failure is in ProcessOutput.
Result<ProcessOutput> RunSandboxed(const std::vector<std::string>& argv, const std::string& input,
                                   const SandboxPolicy& policy);
// The same without a sandbox (eval --no-sandbox); same contract.
Result<ProcessOutput> RunUnsandboxed(const std::vector<std::string>& argv, const std::string& input,
                                     int timeout_seconds);

// What a process can do from where it runs. `modelgate sandbox-probe`
// prints this as JSON; eval runs it inside the sandbox first and reports
// anything the sandbox did not block.
struct ProbeAttempt {
  std::string what;             // "tcp connect 1.1.1.1:443", "write <model>/x", "env HOME"
  bool blocked = false;
  std::string result;           // errno text, or "succeeded"
};
struct SandboxProbeReport {
  std::vector<ProbeAttempt> attempts;
  bool AllBlocked() const;
};
// Tries, and records: TCP connects (to `tcp_targets` "host:port", numeric
// addresses), a UDP DNS query to 8.8.8.8, creating a file in each of
// `write_targets`, and reading the environment. Never throws; every
// attempt is bounded by a short timeout.
SandboxProbeReport ProbeSandbox(const std::vector<std::string>& tcp_targets,
                                const std::vector<std::string>& write_targets);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SANDBOX_SANDBOX_H_
