// Fuzz target for suite files: arbitrary bytes through ParseSuite (YAML or
// JSONL, told apart by the first non-blank byte, so the corpus holds both),
// and through the output-side text functions (code extraction, refusal).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "eval/suite/bounded_yaml.h"
#include "eval/suite/checks.h"
#include "eval/suite/suite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = [] {
    Limits l = Limits::ForFuzzing();
    l.max_suite_bytes = 256 << 10;
    return l;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto suite = eval::ParseSuite(text, "fuzz.yaml", limits);
  if (suite.ok()) {
    if (suite->cases.empty() || suite->cases.size() > limits.max_suite_cases) std::abort();
    for (const eval::SuiteCase& c : suite->cases) {
      for (const eval::Check& check : c.checks) {
        if (suite->FindMetric(check.metric) == nullptr) std::abort();
      }
    }
  }
  const eval::YamlScan scan = eval::ScanYaml(text, limits.max_yaml_depth);
  if (scan.deep_line == 0 && scan.depth > limits.max_yaml_depth) std::abort();
  eval::Check check;
  check.type = eval::CheckType::kCode;
  check.include_prompt = true;
  const std::string code = eval::ExtractCode("def f():\n", text, check);
  if (code.size() > text.size() + 9) std::abort();
  (void)eval::IsRefusal(text);
  return 0;
}
