#include "eval/runtime/matmul.h"

#include <Eigen/Core>
#include <algorithm>

#include "eval/runtime/matmul_kernels.h"

namespace modelgate::eval {
namespace kernels {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void MatMulBlockEigen(const float* x, std::size_t n, const float* w, std::size_t out, std::size_t in,
                      const float* bias, float* y, std::size_t first, std::size_t rows) {
  Eigen::Map<const RowMatrix> xs(x, static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(in));
  Eigen::Map<const RowMatrix> ws(w + first * in, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(in));
  Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>> ys(y + first, static_cast<Eigen::Index>(n),
                                                    static_cast<Eigen::Index>(rows),
                                                    Eigen::OuterStride<>(static_cast<Eigen::Index>(out)));
  ys.noalias() = xs * ws.transpose();
  if (bias != nullptr) {
    Eigen::Map<const Eigen::RowVectorXf> b(bias + first, static_cast<Eigen::Index>(rows));
    ys.rowwise() += b;
  }
}

}  // namespace kernels

namespace {

// Output rows per task: large enough that a task amortises the hand-off, and
// fixed so that results are identical whatever the thread count.
constexpr std::size_t kRowsPerTask = 64;
constexpr std::size_t kInlineWork = 1u << 18;

using BlockFn = void (*)(const float*, std::size_t, const float*, std::size_t, std::size_t, const float*, float*,
                         std::size_t, std::size_t);

BlockFn Kernel() {
  static const BlockFn kernel = kernels::HaveAvx2() ? kernels::MatMulBlockAvx2 : kernels::MatMulBlockEigen;
  return kernel;
}

}  // namespace

void RunTasks(ThreadPool& pool, std::size_t tasks, std::size_t work, const std::function<void(std::size_t)>& fn) {
  if (work < kInlineWork) {
    for (std::size_t t = 0; t < tasks; ++t) fn(t);
  } else {
    pool.Run(tasks, fn);
  }
}

void MatMulTransposed(ThreadPool& pool, const float* x, std::size_t n, const float* w, std::size_t out,
                      std::size_t in, const float* bias, float* y) {
  const BlockFn kernel = Kernel();
  RunTasks(pool, (out + kRowsPerTask - 1) / kRowsPerTask, n * out * in, [&](std::size_t t) {
    const std::size_t first = t * kRowsPerTask;
    kernel(x, n, w, out, in, bias, y, first, std::min(kRowsPerTask, out - first));
  });
}

void MatMulTransposedSerial(const float* x, std::size_t n, const float* w, std::size_t out, std::size_t in, float* y) {
  const BlockFn kernel = Kernel();
  for (std::size_t first = 0; first < out; first += kRowsPerTask) {
    kernel(x, n, w, out, in, nullptr, y, first, std::min(kRowsPerTask, out - first));
  }
}

}  // namespace modelgate::eval
