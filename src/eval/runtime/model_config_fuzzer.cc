// libFuzzer target: config.json parsing (ParseModelConfig) and the
// parameter count of whatever it accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "eval/runtime/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const modelgate::Limits limits = modelgate::Limits::ForFuzzing();
  modelgate::Result<modelgate::eval::ModelConfig> c =
      modelgate::eval::ParseModelConfig(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (c.ok() && c->ParameterCount() > limits.max_runtime_parameters) __builtin_trap();
  return 0;
}
