// GEMM path for AVX-512: a 14x32 micro-kernel. 28 zmm accumulators (14 rows x 2 vectors of
// 16 columns) hide the FMA latency on both FMA pipes; per k it loads two vectors of packed B
// and broadcasts 14 values of packed A. Partial tiles: fewer rows are separate template
// instances, fewer columns are masked loads and stores of C (the B panel, packed and
// zero-padded or read in place, always has NR readable columns).
// The transposing packs (A not transposed, B transposed) go through 16x16 register
// transposes; the contiguous ones use the shared packers of gemm_pack.h.
// GCC 12 flags the deliberately undefined pass-through operand inside the shuffle
// intrinsics (_mm512_undefined_ps) as maybe-uninitialized: a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include "kernels/gemm_avx512_tile.h"
#include "kernels/gemm_kernel.h"
#include "kernels/gemm_pack.h"

namespace cnn {
namespace {

struct Shape {
  static constexpr int MR = 14, NR = 32;
};
constexpr int MR = Shape::MR, NR = Shape::NR;
constexpr int kPrefetchRows = 8;  // rows (k steps) ahead in the B panel streamed from L2

// C[0:R, 0:nr] = alpha * Ap Bp + beta * C for one panel pair.
template <int R>
void micro_rows(int kc, const float* __restrict a /* (kc, MR) */, const float* __restrict b /* (kc, ldb) */, int ldb,
                float* c /* (R, ldc) */, int ldc, int nr, float alpha, float beta) {
  __m512 lo[R], hi[R];
  _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) lo[r] = hi[r] = _mm512_setzero_ps();
  _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) {
    _mm_prefetch((const char*)(c + (size_t)r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char*)(c + (size_t)r * ldc + 16), _MM_HINT_T0);
  }
  for (int k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
    _mm_prefetch((const char*)(b + (size_t)kPrefetchRows * ldb), _MM_HINT_T0);
    _mm_prefetch((const char*)(b + (size_t)kPrefetchRows * ldb + 16), _MM_HINT_T0);
    _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) {
      __m512 av = _mm512_set1_ps(a[r]);
      lo[r] = _mm512_fmadd_ps(av, b0, lo[r]);
      hi[r] = _mm512_fmadd_ps(av, b1, hi[r]);
    }
    a += MR;
    b += ldb;
  }
  avx512_store_tile<R>(lo, hi, c, ldc, nr, alpha, beta);
}

// In-register transpose of a 16x16 block: r[i][j] becomes r[j][i].
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  auto lo = [](__m512 a, __m512 b) {
    return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
  };
  auto hi = [](__m512 a, __m512 b) {
    return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
  };
  for (int i = 0; i < 16; i += 4) {
    r[i] = lo(t[i], t[i + 2]);
    r[i + 1] = hi(t[i], t[i + 2]);
    r[i + 2] = lo(t[i + 1], t[i + 3]);
    r[i + 3] = hi(t[i + 1], t[i + 3]);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
}

// dst[k][r] = src[r * ld + k] for r < rows (<= 16, others zero) and k < kc, storing the
// first `width` lanes of each transposed row at dst + k * stride.
void pack_transposed(const float* src /* (rows, ld) */, size_t ld, int rows, int kc, float* dst, int stride,
                     __mmask16 width) {
  __m512 v[16];
  for (int k0 = 0; k0 < kc; k0 += 16) {
    const int kk = kc - k0 < 16 ? kc - k0 : 16;
    const __mmask16 m = avx512_column_mask(kk);
    for (int r = 0; r < 16; ++r) v[r] = r < rows ? _mm512_maskz_loadu_ps(m, src + r * ld + k0) : _mm512_setzero_ps();
    transpose16(v);
    for (int k = 0; k < kk; ++k) _mm512_mask_storeu_ps(dst + (size_t)(k0 + k) * stride, width, v[k]);
  }
}

void pack_a(bool trans, const float* A, int lda, int i0, int p0, int mc, int kc,
            float* Ap /* ceil(mc/MR) x (kc, MR) */) {
  if (trans) return pack_a_panels<Shape>(trans, A, lda, i0, p0, mc, kc, Ap);
  for (int ir = 0; ir < mc; ir += MR) {
    int rows = mc - ir < MR ? mc - ir : MR;
    pack_transposed(A + (size_t)(i0 + ir) * lda + p0, lda, rows, kc, Ap + (size_t)ir * kc, MR, avx512_column_mask(MR));
  }
}

void pack_b(bool trans, const float* B, int ldb, int p0, int j0, int kc, int nc,
            float* Bp /* ceil(nc/NR) x (kc, NR) */) {
  if (!trans) return pack_b_panels<Shape>(trans, B, ldb, p0, j0, kc, nc, Bp);
  for (int jr = 0; jr < nc; jr += NR) {
    int cols = nc - jr < NR ? nc - jr : NR;
    const float* src = B + (size_t)(j0 + jr) * ldb + p0;
    float* dst = Bp + (size_t)jr * kc;
    pack_transposed(src, ldb, cols < 16 ? cols : 16, kc, dst, NR, 0xFFFF);
    pack_transposed(cols > 16 ? src + (size_t)16 * ldb : src, ldb, cols - 16, kc, dst + 16, NR,
                    0xFFFF);  // zero-fills when cols <= 16
  }
}

void micro(int kc, const float* a, const float* b, int ldb, float* c, int ldc, int mr, int nr, float alpha,
           float beta) {
  switch (mr) {
    case 14: return micro_rows<14>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 13: return micro_rows<13>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 12: return micro_rows<12>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 11: return micro_rows<11>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 10: return micro_rows<10>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 9: return micro_rows<9>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 8: return micro_rows<8>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 7: return micro_rows<7>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 6: return micro_rows<6>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 5: return micro_rows<5>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 4: return micro_rows<4>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 3: return micro_rows<3>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 2: return micro_rows<2>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 1: return micro_rows<1>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    default: return;
  }
}

// Blocks for Zen 5 (48 KiB L1d, 1 MiB L2 per core): an A panel (14 x 384 floats, 21 KiB)
// stays in L1, the packed B block (384 x 480 floats, 720 KiB) in L2; the A block lives in
// L3, and is tall so that B is repacked rarely.
constexpr GemmKernel kKernel = {
    "avx512", MR, NR, /*kc*/ 384, /*mc*/ 14 * 192, /*nc*/ 480, pack_a, pack_b, micro,
};

}  // namespace

const GemmKernel& gemm_kernel_avx512() { return kKernel; }

}  // namespace cnn
