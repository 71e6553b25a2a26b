// y = x W^T + b for a row-major batch x [n, in] and weights W [out, in]:
// every linear layer of the runtime. Work is split by blocks of output
// rows of a fixed size, so the result does not depend on the thread count
// (each output element is computed by the same code on any thread).
#ifndef MODELGATE_EVAL_RUNTIME_MATMUL_H_
#define MODELGATE_EVAL_RUNTIME_MATMUL_H_

#include <cstddef>

#include "base/thread_pool.h"

namespace modelgate::eval {

// REQUIRES: x holds n * in floats, w out * in, bias out (or null), y n * out;
// y does not overlap x, w or bias.
void MatMulTransposed(ThreadPool& pool, const float* x, std::size_t n, const float* w, std::size_t out,
                      std::size_t in, const float* bias, float* y);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUNTIME_MATMUL_H_
