// See claim_value.h.
#include "eval/suite/claim_value.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace modelgate::eval {

bool NormaliseClaimValue(double value, double* proportion) {
  if (!std::isfinite(value) || value < 0 || value > 100) return false;
  *proportion = value > 1 ? value / 100 : value;
  return true;
}

bool ParseClaimValue(std::string_view text, double* proportion) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  const bool percent = !text.empty() && text.back() == '%';
  if (percent) text.remove_suffix(1);
  if (text.empty()) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return false;
  if (!percent) return NormaliseClaimValue(v, proportion);
  if (!std::isfinite(v) || v < 0 || v > 100) return false;
  *proportion = v / 100;
  return true;
}

Status AddClaim(Claim claim, const Limits& limits, ClaimSet* out) {
  if (out->claims.size() >= limits.max_claims) {
    return Status::LimitExceeded(
        fmt::format("{}: more than {} claims; the rest are not read", claim.source, limits.max_claims));
  }
  out->claims.push_back(std::move(claim));
  return Status::Ok();
}

}  // namespace modelgate::eval
