// Fuzzes the server's parsing of request bodies (a hostile client).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eval/serve/request_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modelgate;
  using namespace modelgate::eval;
  const Limits limits = Limits::ForFuzzing();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (bool chat : {false, true}) {
    Result<ParsedCompletionRequest> r = ParseCompletionRequestBody(body, chat, limits);
    if (r.ok()) {
      if (r->requests.empty() || r->requests.size() > limits.max_batch_sequences) std::abort();
      for (const GenerationRequest& q : r->requests) {
        if (q.decoding.max_new_tokens > limits.max_new_tokens || q.chat) std::abort();
      }
    }
  }
  return 0;
}
