// Block kernels behind MatMulTransposed (matmul.h): output columns
// [first, first + rows) of y = x W^T + b for all n rows of x.
#ifndef MODELGATE_EVAL_RUNTIME_MATMUL_KERNELS_H_
#define MODELGATE_EVAL_RUNTIME_MATMUL_KERNELS_H_

#include <cstddef>

namespace modelgate::eval::kernels {

// Portable (Eigen, the compiler's baseline instruction set).
void MatMulBlockEigen(const float* x, std::size_t n, const float* w, std::size_t out, std::size_t in,
                      const float* bias, float* y, std::size_t first, std::size_t rows);
// x86-64 AVX2 + FMA. REQUIRES: HaveAvx2().
void MatMulBlockAvx2(const float* x, std::size_t n, const float* w, std::size_t out, std::size_t in,
                     const float* bias, float* y, std::size_t first, std::size_t rows);
bool HaveAvx2();

}  // namespace modelgate::eval::kernels

#endif  // MODELGATE_EVAL_RUNTIME_MATMUL_KERNELS_H_
