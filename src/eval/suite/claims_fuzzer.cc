// Fuzz target for claim files: arbitrary bytes as evaluation_results.json
// and as README.md (model-index front matter).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eval/suite/claims.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = [] {
    Limits l = Limits::ForFuzzing();
    l.max_claims_bytes = 256 << 10;
    l.max_model_card_bytes = 256 << 10;
    l.max_model_card_header_bytes = 64 << 10;
    return l;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  eval::ClaimSet set;
  (void)eval::ParseEvaluationResults(text, "evaluation_results.json", limits, &set);
  (void)eval::ParseModelIndex(text, "README.md", limits, &set);
  if (set.claims.size() > 2 * static_cast<std::size_t>(limits.max_claims)) std::abort();
  for (const eval::Claim& c : set.claims) {
    if (!(c.value >= 0 && c.value <= 1)) std::abort();  // always a proportion
  }
  return 0;
}
