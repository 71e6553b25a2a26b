// Fuzz target for the Python tokenizer, the source reader and the Python
// findings: arbitrary bytes as a repository .py file. Checks the tokenizer's
// invariants (token ranges inside the input, lines non-decreasing).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "formats/python/python_tokenizer.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = [] {
    Limits l = Limits::ForFuzzing();
    l.max_python_tokens = 50000;
    return l;
  }();
  std::string_view src(reinterpret_cast<const char*>(data), size);
  python::TokenStream ts = python::Tokenize(src, limits);
  std::uint32_t line = 0;
  for (const python::Token& t : ts.tokens) {
    if (t.begin > t.end || t.end > size) std::abort();
    if (t.line < line) std::abort();
    line = t.line;
  }
  if (ts.tokens.size() > limits.max_python_tokens) std::abort();
  // ReadPythonSource runs inside AnalyzeRepositoryFile below.
  ScanContext ctx("fuzz/modeling_fuzz.py", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = ByteView(data, size);
  blob.role = RepositoryRoleFor("fuzz/modeling_fuzz.py");
  AnalyzeRepositoryFile(blob, ctx);
  (void)ctx.TakeFindings();
  return 0;
}
