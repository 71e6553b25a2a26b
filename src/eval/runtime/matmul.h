// y = x W^T + b for a row-major batch x [n, in] and weights W [out, in]:
// every linear layer of the runtime. Work is split by blocks of output
// rows of a fixed size, so the result does not depend on the thread count
// (each output element is computed by the same code on any thread).
#ifndef MODELGATE_EVAL_RUNTIME_MATMUL_H_
#define MODELGATE_EVAL_RUNTIME_MATMUL_H_

#include <cstddef>
#include <functional>

#include "base/thread_pool.h"

namespace modelgate::eval {

// Runs fn(0) ... fn(tasks - 1) on the pool, or on the calling thread when
// the whole loop is below ~256k multiply-adds (`work`): waking workers costs
// more than such loops, on a busy machine far more.
void RunTasks(ThreadPool& pool, std::size_t tasks, std::size_t work, const std::function<void(std::size_t)>& fn);

// REQUIRES: x holds n * in floats, w out * in, bias out (or null), y n * out;
// y does not overlap x, w or bias.
void MatMulTransposed(ThreadPool& pool, const float* x, std::size_t n, const float* w, std::size_t out,
                      std::size_t in, const float* bias, float* y);

// The same product on the calling thread (for use inside a pool task), with
// no bias; results are identical to MatMulTransposed's.
void MatMulTransposedSerial(const float* x, std::size_t n, const float* w, std::size_t out, std::size_t in, float* y);

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_RUNTIME_MATMUL_H_
