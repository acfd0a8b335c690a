// bf16 GEMM path for AVX512-BF16 (AMD Zen 4 and later, Intel Cooper Lake and Sapphire Rapids
// and later): a 14x32 micro-kernel like the fp32 one (gemm_avx512.cpp), where each vdpbf16ps
// multiplies a pair of K steps for 16 columns at once, so one instruction does the work of
// two fp32 FMAs. 28 zmm accumulators; per pair of K it loads two vectors of packed B and
// broadcasts 14 pairs of packed A. The packer (bf16_pack_avx512bf16) rounds 16 floats per
// instruction; the AMX path uses it too.
// GCC 12 flags the deliberately undefined pass-through operand inside the masked-load and
// conversion intrinsics as maybe-uninitialized: a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include "kernels/gemm_avx512_tile.h"
#include "kernels/gemm_bf16_kernel.h"

namespace cnn {
namespace {

constexpr int MR = 14, NR = 32;

// A panel (kc2, H, 2) of H = panel_rows rows: pair k of row r at pairs[k * H + r]; row-major
// (H, kc2, 2): at pairs[r * kc2 + k]. The sums are the same either way. kHalf: only the
// first 16 columns are wanted (nr <= 16), so the other half of B is neither read nor summed.
template <int R, bool kRowMajorA, bool kHalf>
void micro_rows(int kc2, const uint16_t* __restrict a, int panel_rows, const uint16_t* __restrict b /* (kc2, NR, 2) */,
                float* c, int ldc, int nr, float alpha, float beta) {
  __m512 lo[R], hi[R];
  _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) lo[r] = hi[r] = _mm512_setzero_ps();
  const int32_t* pairs = reinterpret_cast<const int32_t*>(a);
  for (int k = 0; k < kc2; ++k) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b);
    const __m512bh b1 = kHalf ? b0 : (__m512bh)_mm512_loadu_si512(b + 32);
    _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) {
      const __m512bh av = (__m512bh)_mm512_set1_epi32(kRowMajorA ? pairs[(size_t)r * kc2] : pairs[r]);
      lo[r] = _mm512_dpbf16_ps(lo[r], av, b0);
      if (!kHalf) hi[r] = _mm512_dpbf16_ps(hi[r], av, b1);
    }
    pairs += kRowMajorA ? 1 : panel_rows;
    b += 2 * NR;
  }
  avx512_store_tile<R>(lo, hi, c, ldc, nr, alpha, beta);
}

using MicroRows = void (*)(int, const uint16_t*, int, const uint16_t*, float*, int, int, float, float);

template <bool kRowMajorA, bool kHalf>
struct MicroTable {
  static constexpr MicroRows by_rows[MR] = {
      micro_rows<1, kRowMajorA, kHalf>,  micro_rows<2, kRowMajorA, kHalf>,  micro_rows<3, kRowMajorA, kHalf>,
      micro_rows<4, kRowMajorA, kHalf>,  micro_rows<5, kRowMajorA, kHalf>,  micro_rows<6, kRowMajorA, kHalf>,
      micro_rows<7, kRowMajorA, kHalf>,  micro_rows<8, kRowMajorA, kHalf>,  micro_rows<9, kRowMajorA, kHalf>,
      micro_rows<10, kRowMajorA, kHalf>, micro_rows<11, kRowMajorA, kHalf>, micro_rows<12, kRowMajorA, kHalf>,
      micro_rows<13, kRowMajorA, kHalf>, micro_rows<14, kRowMajorA, kHalf>};
};

template <bool kRowMajorA>
void micro(int kc2, const uint16_t* a, int panel_rows, const uint16_t* b, float* c, int ldc, int mr, int nr,
           float alpha, float beta) {
  const MicroRows* by_rows = nr <= 16 ? MicroTable<kRowMajorA, true>::by_rows : MicroTable<kRowMajorA, false>::by_rows;
  by_rows[mr - 1](kc2, a, panel_rows, b, c, ldc, nr, alpha, beta);
}

// 16 pairs (X(r, k), X(r, k+1)) from two runs of 16 floats: K row k and K row k+1 at 16 r.
inline __m512i pairs_of_rows(__m512 even, __m512 odd) {
  const __m512i e = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(even));
  const __m512i o = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(odd));
  return _mm512_or_si512(e, _mm512_slli_epi32(o, 16));
}

// 16 pairs from a run of 32 floats along K of one r, `valid` of them inside the slice.
inline __m512i pairs_along_k(const float* run, int valid) {
  const __m512 lo = _mm512_maskz_loadu_ps(avx512_column_mask(valid), run),
               hi = _mm512_maskz_loadu_ps(avx512_column_mask(valid - 16), run + 16);
  return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

// One round of the 16x16 dword transpose: vectors i and i + H swap their off-diagonal blocks
// of H lanes (lane l of the first takes b's lane l - H where bit H of l is set, the second
// takes a's lane l + H where it is clear).
template <int H>
inline void transpose_round(__m512i r[16]) {
  alignas(64) int32_t lo[16], hi[16];
  for (int l = 0; l < 16; ++l) {
    lo[l] = (l & H) ? 16 + l - H : l;
    hi[l] = (l & H) ? 16 + l : l + H;
  }
  const __m512i lo_index = _mm512_load_si512(lo), hi_index = _mm512_load_si512(hi);
  _Pragma("GCC unroll 16") for (int i = 0; i < 16; ++i) {
    if (i & H) continue;
    const __m512i a = r[i], b = r[i + H];
    r[i] = _mm512_permutex2var_epi32(a, lo_index, b);
    r[i + H] = _mm512_permutex2var_epi32(a, hi_index, b);
  }
}

// r[i] lane l becomes r[l] lane i: four rounds of two-vector permutes instead of scatters.
inline void transpose_16x16(__m512i r[16]) {
  transpose_round<8>(r);
  transpose_round<4>(r);
  transpose_round<2>(r);
  transpose_round<1>(r);
}

}  // namespace

void bf16_pack_avx512bf16(const Bf16Operand& x, int r0, int p0, int rows, int kc, int width, int kc2,
                          Bf16PanelLayout layout, uint16_t* out) {
  const bool k_major = layout == Bf16PanelLayout::KMajor;
  if (!x.k_contiguous && !k_major) return bf16_pack_portable(x, r0, p0, rows, kc, width, kc2, layout, out);
  int32_t* dwords = reinterpret_cast<int32_t*>(out);
  for (int q = 0; q * width < rows; ++q) {
    int32_t* panel = dwords + (size_t)q * width * kc2;
    const int panel_rows = rows - q * width < width ? rows - q * width : width;
    if (!x.k_contiguous) {
      // r runs along memory: two K rows at a time, 16 r per vector, stored as they lie (k-major).
      for (int k2 = 0; k2 < kc2; ++k2) {
        const int k = 2 * k2;
        for (int i = 0; i < width; i += 16) {
          const __mmask16 in = avx512_column_mask(panel_rows - i), store = avx512_column_mask(width - i);
          const float* at = x.data + (size_t)(p0 + k) * x.ld + r0 + q * width + i;
          const __m512 even = k < kc ? _mm512_maskz_loadu_ps(in, at) : _mm512_setzero_ps();
          const __m512 odd = k + 1 < kc ? _mm512_maskz_loadu_ps(in, at + x.ld) : _mm512_setzero_ps();
          _mm512_mask_storeu_epi32(panel + (size_t)k2 * width + i, store, pairs_of_rows(even, odd));
        }
      }
      continue;
    }
    // K runs along memory: 16 pairs of one r per vector, stored row-major, or for the k-major
    // layout 16 rows at a time turned by an in-register transpose into 16 pairs of 16 rows.
    if (!k_major) {
      for (int i = 0; i < width; ++i) {
        const float* row = i < panel_rows ? x.data + (size_t)(r0 + q * width + i) * x.ld + p0 : nullptr;
        for (int k2 = 0; k2 < kc2; k2 += 16) {
          const __m512i pairs = row ? pairs_along_k(row + 2 * k2, kc - 2 * k2) : _mm512_setzero_si512();
          _mm512_mask_storeu_epi32(panel + (size_t)i * kc2 + k2, avx512_column_mask(kc2 - k2), pairs);
        }
      }
      continue;
    }
    for (int i0 = 0; i0 < width; i0 += 16) {
      const __mmask16 lanes = avx512_column_mask(width - i0);
      for (int k2 = 0; k2 < kc2; k2 += 16) {
        __m512i block[16];
        for (int i = 0; i < 16; ++i) {
          const int r = i0 + i;
          block[i] = r < panel_rows
                         ? pairs_along_k(x.data + (size_t)(r0 + q * width + r) * x.ld + p0 + 2 * k2, kc - 2 * k2)
                         : _mm512_setzero_si512();
        }
        transpose_16x16(block);
        const int pairs = kc2 - k2 < 16 ? kc2 - k2 : 16;
        for (int p = 0; p < pairs; ++p)
          _mm512_mask_storeu_epi32(panel + (size_t)(k2 + p) * width + i0, lanes, block[p]);
      }
    }
  }
}

namespace {

bool available() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
}

}  // namespace

const Bf16GemmKernel& gemm_bf16_kernel_avx512bf16() {
  static const Bf16GemmKernel kernel{
      "avx512bf16",         MR,           NR,         192, 168, 1024, 1, Bf16PanelLayout::KMajor, true, available,
      bf16_pack_avx512bf16, micro<false>, micro<true>};
  return kernel;
}

}  // namespace cnn
