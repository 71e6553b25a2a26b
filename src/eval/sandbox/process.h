// RunProcess: fork/exec with pipes, the machinery under RunSandboxed and
// RunUnsandboxed (sandbox.h).
//
// The child gets its own process group (setpgid) so a timeout or an output
// overflow kills everything it started (kill(-pgid, SIGKILL)). stdin is fed
// and stdout/stderr are drained concurrently with poll(), so a child that
// writes a lot before reading all its input cannot deadlock us.
#ifndef MODELGATE_EVAL_SANDBOX_PROCESS_H_
#define MODELGATE_EVAL_SANDBOX_PROCESS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "eval/sandbox/sandbox.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct ProcessLimits {
  int timeout_seconds = 0;                       // 0 = none
  std::uint64_t max_output_bytes = 256ull << 20; // per stream; the child is killed past it
};

// Runs argv[0] (looked up on PATH when it has no '/') with argv, our own
// environment and `input` on stdin; file descriptors other than 0-2 are
// closed in the child. Returns kInvalidArgument for an empty argv and
// kIOError when pipes or fork fail; an exec failure is reported like a
// shell does: exit code 127 with the reason on stderr. A child that exits
// before reading all its input is not an error (its exit code says).
// Thread-safe: SIGPIPE is blocked on the calling thread only while writing.
Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const std::string& input,
                                 const ProcessLimits& limits);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SANDBOX_PROCESS_H_
