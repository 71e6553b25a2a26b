// Fuzz target for the Keras config analyzer: arbitrary bytes as a Keras
// model configuration (JSON). Children (base64 pickles) are only queued.
#include <cstddef>
#include <cstdint>

#include "modelgate/policy.h"
#include "scan/analyzers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelgate;
  static const Limits limits = Limits::ForFuzzing();
  ScanContext ctx("fuzz.json", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = ByteView(data, size);
  blob.role = "keras-config";
  AnalyzeKerasConfig(blob, ctx);
  while (ctx.HasPending()) (void)ctx.PopPending();
  (void)ctx.TakeFindings();
  return 0;
}
