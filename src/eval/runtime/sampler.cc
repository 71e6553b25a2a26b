#include "eval/runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace modelgate::eval {

std::int32_t GreedyToken(std::span<const float> logits) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[best]) best = i;  // strict: ties keep the lower id
  }
  return static_cast<std::int32_t>(best);
}

double EntropyNats(std::span<const float> logits) {
  if (logits.empty()) return 0.0;
  const double max = *std::max_element(logits.begin(), logits.end());
  // H = log Z - sum p z, with z = logit - max and Z = sum exp z.
  double z_sum = 0, weighted = 0;
  for (float l : logits) {
    const double z = l - max, e = std::exp(z);
    z_sum += e;
    weighted += e * z;
  }
  return std::log(z_sum) - weighted / z_sum;
}

double UniformDouble(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::int32_t SampleToken(std::span<const float> logits, double temperature, double top_p, std::mt19937_64& rng) {
  const double max = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double total = 0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    p[i] = std::exp((logits[i] - max) / temperature);
    if (std::isnan(p[i])) p[i] = 0;  // NaN would break the sort's ordering
    total += p[i];
  }
  // A hostile model can emit NaN or infinite logits: no distribution to
  // sample from, so the choice stays deterministic.
  if (!(total > 0) || !std::isfinite(total)) return GreedyToken(logits);
  std::vector<std::int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
  // The nucleus: the shortest prefix whose mass reaches top_p.
  std::size_t kept = 0;
  double mass = 0;
  while (kept < order.size()) {
    mass += p[order[kept++]];
    if (mass >= top_p * total) break;
  }
  const double u = UniformDouble(rng) * mass;
  double acc = 0;
  for (std::size_t i = 0; i < kept; ++i) {
    acc += p[order[i]];
    if (u < acc) return order[i];
  }
  return order[kept - 1];  // u rounded up to the whole mass
}

}  // namespace modelgate::eval
