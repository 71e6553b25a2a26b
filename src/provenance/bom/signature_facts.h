// What a detached OMS signature (model.sig, a Sigstore bundle) says about the
// model, without verifying it: the DSSE payload is decoded and read as an
// in-toto statement (ParseStatement), and its manifest is compared with the
// model as it is now. No signature, certificate or transparency-log check is
// made here: that is `modelgate verify`. The BOM therefore reports at most
// "digest matches, signature not verified".
//
// The bundle is hostile: its size is bounded by Limits::max_bundle_bytes,
// its nesting measured (JsonDepth) before nlohmann parses it, and the
// payload is bounded by Limits::max_statement_bytes before decoding.
// Thread-safe; never throws.
#ifndef MODELGATE_PROVENANCE_BOM_SIGNATURE_FACTS_H_
#define MODELGATE_PROVENANCE_BOM_SIGNATURE_FACTS_H_

#include <string>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"
#include "provenance/statement.h"

namespace modelgate::provenance::bom {

// Reads the statement signed in a Sigstore bundle (JSON with
// dsseEnvelope.payload in standard base64). Errors: kLimitExceeded (too
// large or too deep), kCorruption naming what is missing or malformed
// ("bundle: no dsseEnvelope.payload", "bundle: payload is not base64"), and
// whatever ParseStatement reports.
Result<ParsedStatement> ReadSignedStatement(ByteView bundle, const Limits& limits);

// Standard base64 (RFC 4648, padding optional, no whitespace) to bytes;
// kCorruption for any other character or a dangling bit group.
Result<std::string> DecodeBase64Strict(std::string_view text);

}  // namespace modelgate::provenance::bom

#endif  // MODELGATE_PROVENANCE_BOM_SIGNATURE_FACTS_H_
