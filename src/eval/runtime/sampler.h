// Choosing the next token from a row of logits, portably: the same logits
// and seed give the same token on every platform (std::mt19937_64 is fully
// specified; its bits are turned into a double here rather than by a
// standard distribution, whose algorithm is implementation-defined).
#ifndef MODELGATE_EVAL_RUNTIME_SAMPLER_H_
#define MODELGATE_EVAL_RUNTIME_SAMPLER_H_

#include <cstdint>
#include <random>
#include <span>

namespace modelgate::eval {

// Index of the largest logit, ties to the lowest index.
// REQUIRES: logits non-empty.
std::int32_t GreedyToken(std::span<const float> logits);

// Entropy in nats of softmax(logits) (temperature 1), computed in double.
double EntropyNats(std::span<const float> logits);

// A double in [0, 1) from the top 53 bits of one draw.
double UniformDouble(std::mt19937_64& rng);

// Samples from softmax(logits / temperature) restricted to the smallest set
// of most likely tokens whose probability reaches top_p (ties ordered by
// id), renormalised. One draw from `rng` per call. NaN logits count as
// probability 0; when nothing finite is left (NaN or infinite logits) the
// greedy token is returned.
// REQUIRES: temperature > 0, 0 < top_p <= 1, logits non-empty.
std::int32_t SampleToken(std::span<const float> logits, double temperature, double top_p, std::mt19937_64& rng);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUNTIME_SAMPLER_H_
