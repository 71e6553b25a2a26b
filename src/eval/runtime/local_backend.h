// The built-in CPU runtime as a Backend: a model folder (config.json,
// safetensors weights, tokenizer.json) run in this process, with no code
// from the folder executed (docs/eval/runtime.md).
#ifndef MODELGATE_EVAL_RUNTIME_LOCAL_BACKEND_H_
#define MODELGATE_EVAL_RUNTIME_LOCAL_BACKEND_H_

#include <memory>
#include <string>

#include "eval/backend.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate::eval {

struct RuntimeOptions {
  unsigned threads = 0;             // 0 = one per core
  std::uint32_t max_batch = 16;     // requests decoded together
};

// Loads the model in `model_dir`. Supported: model_type gpt2, llama, qwen2
// (docs/eval/runtime.md lists the config keys read). Returns kNotSupported
// for other architectures or options (rope scaling, sliding windows, ...),
// kCorruption / kLimitExceeded for bad or oversized files, kIOError when the
// folder cannot be read.
Result<std::unique_ptr<Backend>> OpenLocalBackend(const std::string& model_dir, const RuntimeOptions& options,
                                                  const Limits& limits);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUNTIME_LOCAL_BACKEND_H_
