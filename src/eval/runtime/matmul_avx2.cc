// The AVX2 + FMA kernel of MatMulTransposed, compiled for that target only
// (function attributes, not a global -mavx2) and chosen at run time, so the
// binary still runs on CPUs without AVX2.
//
// y[r][o] = dot(x[r], w[o]): both operands are contiguous along `in`, so the
// kernel keeps 3 rows of x against 4 rows of w in 12 vector accumulators
// (4 rows of w stay in L1 while x streams past).
// Every output element is reduced the same way (8 lanes, then the same
// horizontal sum, then the scalar tail) whichever block computes it, so a
// row's result does not depend on the other rows in the batch.
#include "eval/runtime/matmul_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <array>

namespace modelgate::eval::kernels {
namespace {

#define MODELGATE_AVX2 __attribute__((target("avx2,fma")))

// Horizontal sums in one fixed order, ((v0+v1)+(v2+v3)) + ((v4+v5)+(v6+v7)),
// whether one vector or four are reduced at once.
MODELGATE_AVX2 inline float Sum(__m256 v) {
  const __m256 h = _mm256_hadd_ps(v, v);
  const __m256 hh = _mm256_hadd_ps(h, h);
  return _mm_cvtss_f32(_mm_add_ss(_mm256_castps256_ps128(hh), _mm256_extractf128_ps(hh, 1)));
}

MODELGATE_AVX2 inline __m128 Sum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 hh = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
  return _mm_add_ps(_mm256_castps256_ps128(hh), _mm256_extractf128_ps(hh, 1));
}

MODELGATE_AVX2 inline float Tail(const float* a, const float* b, std::size_t from, std::size_t in) {
  float t = 0;
  for (std::size_t i = from; i < in; ++i) t += a[i] * b[i];
  return t;
}

// R rows of x against C rows of w, all operands in registers: R + C + R * C
// <= 16 ymm registers. (Left to itself the compiler folds each w load into
// every FMA that uses it, doubling the loads; the empty asm pins it.)
template <int R, int C>
MODELGATE_AVX2 void Block(const float* const* xr, const float* const* wr, std::size_t in, float* const* yr) {
  __m256 acc[R][C];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
  }
  const std::size_t full = in & ~std::size_t{7};
  for (std::size_t i = 0; i < full; i += 8) {
    __m256 xv[R];
    for (int r = 0; r < R; ++r) xv[r] = _mm256_loadu_ps(xr[r] + i);
    for (int c = 0; c < C; ++c) {
      __m256 wv = _mm256_loadu_ps(wr[c] + i);
      __asm__("" : "+x"(wv));
      for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(xv[r], wv, acc[r][c]);
    }
  }
  for (int r = 0; r < R; ++r) {
    if constexpr (C == 4) {
      float sums[4];
      _mm_storeu_ps(sums, Sum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]));
      for (int c = 0; c < C; ++c) yr[r][c] = sums[c] + Tail(xr[r], wr[c], full, in);
    } else {
      for (int c = 0; c < C; ++c) yr[r][c] = Sum(acc[r][c]) + Tail(xr[r], wr[c], full, in);
    }
  }
}

constexpr int kRows = 3;  // rows of x per block (3 x 4 blocks: 3 + 4 + 12 registers)

template <int R, typename T>
std::array<T*, R> RowPointers(T* base, std::size_t first, std::size_t stride) {
  std::array<T*, R> p;
  for (int r = 0; r < R; ++r) p[r] = base + (first + r) * stride;
  return p;
}

// Rows [0, n) of x against C rows of w starting at `w`: the C rows stay in
// L1 while x streams past them two rows at a time.
template <int C>
MODELGATE_AVX2 void Rows(const float* x, std::size_t n, const float* w, std::size_t in, float* y, std::size_t out) {
  const float* wr[C];
  for (int c = 0; c < C; ++c) wr[c] = w + c * in;
  std::size_t r = 0;
  for (; r + kRows <= n; r += kRows) Block<kRows, C>(RowPointers<kRows>(x, r, in).data(), wr, in, RowPointers<kRows>(y, r, out).data());
  for (; r < n; ++r) Block<1, C>(RowPointers<1>(x, r, in).data(), wr, in, RowPointers<1>(y, r, out).data());
}

}  // namespace

MODELGATE_AVX2 void MatMulBlockAvx2(const float* x, std::size_t n, const float* w, std::size_t out, std::size_t in,
                                    const float* bias, float* y, std::size_t first, std::size_t rows) {
  std::size_t c = 0;
  for (; c + 4 <= rows; c += 4) Rows<4>(x, n, w + (first + c) * in, in, y + first + c, out);
  for (; c < rows; ++c) Rows<1>(x, n, w + (first + c) * in, in, y + first + c, out);
  if (bias != nullptr) {
    for (std::size_t k = 0; k < n; ++k) {
      for (std::size_t c = 0; c < rows; ++c) y[k * out + first + c] += bias[first + c];
    }
  }
}

bool HaveAvx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

}  // namespace modelgate::eval::kernels

#else

namespace modelgate::eval::kernels {
void MatMulBlockAvx2(const float*, std::size_t, const float*, std::size_t, std::size_t, const float*, float*,
                     std::size_t, std::size_t) {}
bool HaveAvx2() { return false; }
}  // namespace modelgate::eval::kernels

#endif
