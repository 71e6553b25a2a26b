// Fuzz target for ParseStatement: arbitrary bytes as a decoded DSSE payload.
// Oracle: whatever parses must survive StatementJson() and parse again to
// the same resources (the writer and the reader agree on every value the
// reader accepts).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "provenance/statement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  using namespace modelgate::provenance;
  static const Limits limits = Limits::ForFuzzing();
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  Result<ParsedStatement> parsed = ParseStatement(payload, limits);
  if (!parsed.ok()) return 0;
  const std::string again = StatementJson(parsed->manifest);
  Result<ParsedStatement> reparsed = ParseStatement(again, limits);
  if (!reparsed.ok()) abort();
  if (reparsed->manifest.resources.size() != parsed->manifest.resources.size()) abort();
  for (std::size_t i = 0; i < parsed->manifest.resources.size(); ++i) {
    if (reparsed->manifest.resources[i].name != parsed->manifest.resources[i].name) abort();
    if (reparsed->manifest.resources[i].digest != parsed->manifest.resources[i].digest) abort();
  }
  return 0;
}
