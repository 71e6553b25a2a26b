// Fuzzes the client's parsing of server responses (a hostile endpoint):
// completions and chat bodies, the model list and error bodies.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eval/remote/openai_response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modelgate;
  using namespace modelgate::eval;
  const Limits limits = Limits::ForFuzzing();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (bool chat : {false, true}) {
    Result<Generation> g = ParseCompletionResponse(body, chat, limits);
    if (g.ok()) {
      if (g->finish_reason != "stop" && g->finish_reason != "length") std::abort();
      if (g->text.size() > limits.max_generated_text_bytes) std::abort();
      // Entropies are NaN or non-negative and finite.
      if (!std::isnan(g->mean_entropy) && !(g->mean_entropy >= 0 && std::isfinite(g->mean_entropy))) std::abort();
    }
  }
  (void)ParseModelList(body, limits);
  if (ErrorMessageFromBody(body).size() > 300) std::abort();
  return 0;
}
