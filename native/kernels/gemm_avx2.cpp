// GEMM path for AVX2+FMA: a 6x16 micro-kernel. 12 ymm accumulators (6 rows x 2 vectors of
// 8 columns) hide the FMA latency on both FMA pipes; per k it loads two vectors of packed B
// and broadcasts 6 values of packed A. Partial tiles: fewer rows are separate template
// instances, fewer columns are masked loads and stores of C (the B panel, packed and
// zero-padded or read in place, always has NR readable columns).
#include <immintrin.h>
#include "kernels/gemm_kernel.h"
#include "kernels/gemm_pack.h"

namespace cnn {
namespace {

struct Shape {
  static constexpr int MR = 6, NR = 16;
};
constexpr int MR = Shape::MR, NR = Shape::NR;
constexpr int kPrefetchRows = 8;  // rows (k steps) ahead in the B panel streamed from L2

// Lane mask for the first `cols` of 8 columns (all-ones lanes are stored).
inline __m256i column_mask(int cols) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lanes);
}

// C[0:R, 0:nr] = alpha * Ap Bp + beta * C for one panel pair.
template <int R>
void micro_rows(int kc, const float* __restrict a /* (kc, MR) */, const float* __restrict b /* (kc, ldb) */, int ldb,
                float* c /* (R, ldc) */, int ldc, int nr, float alpha, float beta) {
  __m256 lo[R], hi[R];
  _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) lo[r] = hi[r] = _mm256_setzero_ps();
  for (int k = 0; k < kc; ++k) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    _mm_prefetch((const char*)(b + (size_t)kPrefetchRows * ldb), _MM_HINT_T0);
    _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) {
      __m256 av = _mm256_broadcast_ss(a + r);
      lo[r] = _mm256_fmadd_ps(av, b0, lo[r]);
      hi[r] = _mm256_fmadd_ps(av, b1, hi[r]);
    }
    a += MR;
    b += ldb;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const __m256i m0 = column_mask(nr), m1 = column_mask(nr - 8);
  const bool full = nr == NR;
  _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) {
    float* cr = c + (size_t)r * ldc;
    __m256 v0 = _mm256_mul_ps(lo[r], va), v1 = _mm256_mul_ps(hi[r], va);
    if (full) {
      if (beta != 0.0f) {
        v0 = _mm256_fmadd_ps(_mm256_loadu_ps(cr), vb, v0);
        v1 = _mm256_fmadd_ps(_mm256_loadu_ps(cr + 8), vb, v1);
      }
      _mm256_storeu_ps(cr, v0);
      _mm256_storeu_ps(cr + 8, v1);
      continue;
    }
    if (beta != 0.0f) {
      v0 = _mm256_fmadd_ps(_mm256_maskload_ps(cr, m0), vb, v0);
      v1 = _mm256_fmadd_ps(_mm256_maskload_ps(cr + 8, m1), vb, v1);
    }
    _mm256_maskstore_ps(cr, m0, v0);
    _mm256_maskstore_ps(cr + 8, m1, v1);
  }
}

void micro(int kc, const float* a, const float* b, int ldb, float* c, int ldc, int mr, int nr, float alpha,
           float beta) {
  switch (mr) {
    case 6: return micro_rows<6>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 5: return micro_rows<5>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 4: return micro_rows<4>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 3: return micro_rows<3>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 2: return micro_rows<2>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 1: return micro_rows<1>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    default: return;
  }
}

// Blocks: an A panel (6 x 384 floats, 9 KiB) stays in L1, the packed B block (384 x 480
// floats, 720 KiB) in L2; the A block lives in L3, tall so that B is repacked rarely.
constexpr GemmKernel kKernel = {
    "avx2", MR, NR, /*kc*/ 384, /*mc*/ 6 * 448, /*nc*/ 480, pack_a_panels<Shape>, pack_b_panels<Shape>, micro,
};

}  // namespace

const GemmKernel& gemm_kernel_avx2() { return kKernel; }

}  // namespace cnn
