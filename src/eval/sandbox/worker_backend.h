// WorkerBackend: a Backend that generates in a separate process,
// `<executable> generate <model_dir> [--threads N]`, run under the sandbox
// (sandbox.h) so a parser bug exploited by a hostile model folder lands in
// a process with no network, a read-only view of the model and an empty
// environment (docs/eval/sandbox.md).
//
// Protocol: the requests as JSONL on the worker's stdin (RequestToJsonLine),
// one Generation per request as JSONL on its stdout (GenerationToJsonLine),
// in order. The output is parsed as untrusted (ParseGenerationLines).
#ifndef MODELGATE_EVAL_SANDBOX_WORKER_BACKEND_H_
#define MODELGATE_EVAL_SANDBOX_WORKER_BACKEND_H_

#include <memory>
#include <string>
#include <vector>

#include "eval/backend.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct WorkerOptions {
  std::string executable;        // empty = this program (/proc/self/exe, resolved)
  std::string model_dir;         // passed to the worker, bound read-only
  unsigned threads = 0;          // 0 = the worker's default (no --threads)
  bool sandbox = true;           // false = RunUnsandboxed (eval --no-sandbox)
  int timeout_seconds = 3600;    // per Generate() call; 0 = none
  // Extra paths the worker may read (bound read-only when sandboxed).
  std::vector<std::string> read_only;
};

// Resolves the executable and the model folder to absolute paths and
// checks they exist (kInvalidArgument otherwise). With sandbox = true,
// also requires SandboxAvailable() (its status is returned when not OK:
// the caller refuses, or asks for --no-sandbox explicitly). Starts nothing
// yet: each Generate() runs one worker process over the whole batch,
// split into chunks of limits.max_batch_sequences requests.
//
// Generate() returns a non-OK status when the worker cannot start, exits
// non-zero, is killed (timeout, signal, output over the bound), or prints
// malformed or too few/many lines; the message ends with the tail of the
// worker's stderr. Not thread-safe (one call at a time, as Backend says).
Result<std::unique_ptr<Backend>> OpenWorkerBackend(const WorkerOptions& options, const Limits& limits);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SANDBOX_WORKER_BACKEND_H_
