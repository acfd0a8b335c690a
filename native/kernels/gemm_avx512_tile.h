// Writing an AVX-512 micro-kernel's accumulators to C (shared by the fp32 and bf16 paths;
// include only from translation units built with AVX-512 flags).
#pragma once
#include <immintrin.h>
#include <cstddef>

namespace cnn {

// Lanes [0, cols) of a 16-lane vector.
inline __mmask16 avx512_column_mask(int cols) {
  return cols >= 16 ? (__mmask16)0xFFFF : cols <= 0 ? (__mmask16)0 : (__mmask16)((1u << cols) - 1);
}

// C[0:R, 0:nr] = alpha * (lo | hi) + beta * C for a tile of R rows of 32 columns held as two
// 16-column vectors a row; beta == 0 writes C without reading it.
template <int R>
inline void avx512_store_tile(const __m512 (&lo)[R], const __m512 (&hi)[R], float* c, int ldc, int nr, float alpha,
                              float beta) {
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const __mmask16 m0 = avx512_column_mask(nr), m1 = avx512_column_mask(nr - 16);
  _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) {
    float* cr = c + (size_t)r * ldc;
    __m512 v0 = _mm512_mul_ps(lo[r], va), v1 = _mm512_mul_ps(hi[r], va);
    if (beta != 0.0f) {
      v0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, cr), vb, v0);
      v1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, cr + 16), vb, v1);
    }
    _mm512_mask_storeu_ps(cr, m0, v0);
    _mm512_mask_storeu_ps(cr + 16, m1, v1);
  }
}

}  // namespace cnn
