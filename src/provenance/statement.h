// In-toto Statement v1 for OMS: the signed payload.
//
// StatementJson() writes the statement the reference implementation writes
// (predicateType https://model_signing/signature/v1.0): subject = model name
// with the manifest's root digest; predicate.serialization (method, hash_type,
// allow_symlinks, shard_size for shards, ignore_paths) and
// predicate.resources [{name, algorithm, digest(hex)}] in payload order.
// Key order and indentation follow the reference so that the unit goldens in
// ../shared/testdata/oms-model-transparency/unit-goldens/statement-TestPayload
// compare byte for byte (see statement_test.cc).
//
// ParseStatement() reads a payload as decoded from a DSSE envelope (hostile
// bytes; bounded by Limits): the v1.0 predicate and the pre-1.0
// https://model_signing/Digests/v0.1 predicate (one subject per file,
// annotations.actual_hash_algorithm). It checks the subject digest against
// the root digest recomputed from the resources and fails with a message that
// names the mismatch.
#ifndef MODELGATE_PROVENANCE_STATEMENT_H_
#define MODELGATE_PROVENANCE_STATEMENT_H_

#include <string>
#include <string_view>

#include "modelgate/limits.h"
#include "modelgate/status.h"
#include "provenance/manifest.h"

namespace modelgate::provenance {

inline constexpr std::string_view kInTotoStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";
inline constexpr std::string_view kOmsPredicateType = "https://model_signing/signature/v1.0";
inline constexpr std::string_view kLegacyDigestsPredicateType = "https://model_signing/Digests/v0.1";

// Pretty-printed (indent 2) statement, as in the reference goldens.
std::string StatementJson(const Manifest& manifest);

struct ParsedStatement {
  std::string predicate_type;
  Manifest manifest;          // serialization and resources as signed
  std::string subject_digest; // raw
};

Result<ParsedStatement> ParseStatement(std::string_view payload, const Limits& limits);

}  // namespace modelgate::provenance

#endif  // MODELGATE_PROVENANCE_STATEMENT_H_
