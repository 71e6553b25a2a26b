// What a detached OMS signature (model.sig, a Sigstore bundle) says about the
// model, without verifying it: the DSSE payload is decoded and read as an
// in-toto statement (ParseStatement), and its manifest is compared with the
// model as it is now. No signature, certificate or transparency-log check is
// made here: that is `modelgate verify`. The BOM therefore reports at most
// "digest matches, signature not verified".
//
// The bundle is hostile: it is read by ParseBundle (the reader `verify`
// uses, with its limits) and ParseStatement.
// Thread-safe; never throws.
#ifndef MODELGATE_PROVENANCE_BOM_SIGNATURE_FACTS_H_
#define MODELGATE_PROVENANCE_BOM_SIGNATURE_FACTS_H_

#include <string>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"
#include "provenance/statement.h"

namespace modelgate::provenance::bom {

// Reads the statement signed in a Sigstore bundle. Errors: whatever
// ParseBundle and ParseStatement report (kLimitExceeded, kCorruption naming
// what is missing or malformed).
Result<ParsedStatement> ReadSignedStatement(ByteView bundle, const Limits& limits);

}  // namespace modelgate::provenance::bom

#endif  // MODELGATE_PROVENANCE_BOM_SIGNATURE_FACTS_H_
