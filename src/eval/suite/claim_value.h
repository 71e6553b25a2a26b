// Helpers shared by the two claim readers (claims.cc, model_index.cc): how
// a claimed number becomes a proportion, and the bounded claim list.
#ifndef MODELGATE_EVAL_SUITE_CLAIM_VALUE_H_
#define MODELGATE_EVAL_SUITE_CLAIM_VALUE_H_

#include <string>
#include <string_view>

#include "eval/suite/claims.h"

namespace modelgate::eval {

// Reads "0.991", "99.1" or "99.1%" into a proportion: values in (1, 100]
// and values written with '%' are percentages. False for text that is not
// a number or a value outside [0, 100] (and outside [0, 1] with '%' > 100).
bool ParseClaimValue(std::string_view text, double* proportion);
// Same for a number already parsed (JSON).
bool NormaliseClaimValue(double value, double* proportion);

// Appends `claim` unless max_claims are already kept; then returns
// kLimitExceeded (which the caller reports as a problem of the file).
Status AddClaim(Claim claim, const Limits& limits, ClaimSet* out);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SUITE_CLAIM_VALUE_H_
