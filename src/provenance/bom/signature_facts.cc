#include "provenance/bom/signature_facts.h"

#include "provenance/bundle.h"

namespace modelgate::provenance::bom {

Result<ParsedStatement> ReadSignedStatement(ByteView bundle, const Limits& limits) {
  Result<Bundle> parsed = ParseBundle(AsStringView(bundle), limits);
  if (!parsed.ok()) return parsed.status();
  return ParseStatement(parsed->envelope.payload, limits);
}

}  // namespace modelgate::provenance::bom
