// Fuzz target for the Jinja lexer and the chat template analysis: LexJinja
// on arbitrary text, checks token positions are monotone and inside the
// input, then runs AnalyzeChatTemplate on the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/jinja/jinja_lexer.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  JinjaLexResult lex = LexJinja(text, limits);
  std::uint32_t last = 0;
  for (const JinjaToken& t : lex.tokens) {
    if (t.offset < last || t.offset > size || t.line == 0 || t.column == 0) std::abort();
    last = t.offset;
  }
  ScanContext ctx("fuzz.jinja", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = ByteView(data, size);
  AnalyzeChatTemplate(text, blob, "fuzz", ctx);
  (void)ctx.TakeFindings();
  return 0;
}
