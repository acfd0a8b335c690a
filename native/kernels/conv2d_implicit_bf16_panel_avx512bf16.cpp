// The implicit-GEMM convolution's bf16 panel writer for AVX512-BF16 (see WriteBf16PanelFn in
// conv2d_implicit_panel.h): two rows of the column matrix are gathered into registers, 16
// lanes at a time, with one masked load per run (a run is a piece of one padded input row,
// or of one phase of it at a column stride), then rounded and interleaved into pairs by the
// conversion the bf16 GEMM's packer uses, so the panel holds the values an im2col + pack
// would. Backward-weights rounds its images, and the channel-pair images are made
// (PairUpFn), with the same instruction.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // as in gemm_bf16_avx512bf16.cpp
#include <immintrin.h>
#include <cstdint>
#include "kernels/conv2d_implicit_chunks.h"
#include "kernels/conv2d_implicit_panel.h"

namespace cnn {
namespace {

// 16 pairs (even[l], odd[l]) rounded to bf16 (the conversion gemm_bf16_avx512bf16.cpp's
// packer rounds with): both rows converted by one instruction, then interleaved.
inline __m512i pairs_of_rows(__m512 even, __m512 odd) {
  const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(odd, even);  // even[0..15], odd[0..15]
  const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
                                              6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(interleave, both);
}

inline __m512 chunk_of_row(const float* tap, const ChunkLoads& loads) {
  __m512 v = _mm512_setzero_ps();
  for (int p = 0; p < loads.count; ++p) {
    // The vector may start before the run's first float; the mask keeps those lanes from
    // being read (AVX-512 suppresses faults of masked-off lanes).
    const uintptr_t at = reinterpret_cast<uintptr_t>(tap) + sizeof(float) * loads.shift[p];
    v = _mm512_mask_loadu_ps(v, loads.lanes[p], reinterpret_cast<const float*>(at));
  }
  return v;
}

// One run filling the whole panel (an output row of at least nr columns): every row of the
// panel is nr consecutive floats of one padded input row.
void write_whole_rows(const PanelGeometry& g, const float* padded, int nr, int p0, int kc, int kc2, int32_t* pairs) {
  TapCursor tap(g, p0);
  for (int k2 = 0; k2 < kc2; ++k2, pairs += nr) {
    const int k = 2 * k2;
    const float* even = tap.take(padded, k < kc);
    const float* odd = tap.take(padded, k + 1 < kc);
    for (int c0 = 0; c0 < nr; c0 += 16) {
      const __m512 e = even ? _mm512_loadu_ps(even + c0) : _mm512_setzero_ps();
      const __m512 o = odd ? _mm512_loadu_ps(odd + c0) : _mm512_setzero_ps();
      _mm512_storeu_si512(pairs + c0, pairs_of_rows(e, o));
    }
  }
}

void write_unit_stride(const PanelGeometry& g, const float* padded, const PanelRun* runs, int run_count, int nr, int p0,
                       int kc, int kc2, int32_t* pairs) {
  ChunkLoads chunks[kMaxPanelChunks];  // every bf16 path's NR is at most 32
  const int chunk_count = chunk_loads_of(runs, run_count, nr, chunks);
  TapCursor tap(g, p0);
  for (int k2 = 0; k2 < kc2; ++k2, pairs += nr) {
    const int k = 2 * k2;
    const float* even = tap.take(padded, k < kc);
    const float* odd = tap.take(padded, k + 1 < kc);
    for (int q = 0; q < chunk_count; ++q) {
      const __m512 e = even ? chunk_of_row(even, chunks[q]) : _mm512_setzero_ps();
      const __m512 o = odd ? chunk_of_row(odd, chunks[q]) : _mm512_setzero_ps();
      const int left = nr - 16 * q;
      _mm512_mask_storeu_epi32(pairs + 16 * q, (__mmask16)(left >= 16 ? 0xFFFFu : (1u << left) - 1),
                               pairs_of_rows(e, o));
    }
  }
}

void write_bf16_panel(const PanelGeometry& g, const float* padded, const PanelRun* runs, int run_count, int valid,
                      int nr, int p0, int kc, int kc2, uint16_t* panel) {
  (void)valid;  // lanes no run covers stay zero
  int32_t* pairs = reinterpret_cast<int32_t*>(panel);
  if (run_count == 1 && runs[0].len == nr && nr % 16 == 0)
    return write_whole_rows(g, padded + runs[0].src, nr, p0, kc, kc2, pairs);
  write_unit_stride(g, padded, runs, run_count, nr, p0, kc, kc2, pairs);
}

// Backward-weights' images, 16 floats per conversion (the packer's instruction).
void round_bf16(const float* src, size_t n, uint16_t* dst) {
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 lanes = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1);
    const __m256i rounded = (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(lanes, src + i));
    _mm256_mask_storeu_epi16(dst + i, lanes, rounded);
  }
}

// 32 floats per step: converted into one vector of 32 bf16 values, whose even and odd
// elements one word permutation gathers into its low and high halves.
void round_split_bf16(const float* src, size_t n, uint16_t* even, uint16_t* odd) {
  const __m512i by_parity = _mm512_set_epi16(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1,  //
                                             30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  for (size_t i = 0; i < n; i += 32) {
    const size_t left = n - i;
    const __mmask16 lo = (__mmask16)(left >= 16 ? 0xFFFFu : (1u << left) - 1);
    const __mmask16 hi = (__mmask16)(left >= 32 ? 0xFFFFu : left > 16 ? (1u << (left - 16)) - 1 : 0u);
    const __m512i rounded =
        (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, src + i + 16), _mm512_maskz_loadu_ps(lo, src + i));
    const __m512i split = _mm512_permutexvar_epi16(by_parity, rounded);
    const size_t evens = left >= 32 ? 16 : (left + 1) / 2, odds = left >= 32 ? 16 : left / 2;
    _mm256_mask_storeu_epi16(even + i / 2, (__mmask16)((1u << evens) - 1), _mm512_castsi512_si256(split));
    _mm256_mask_storeu_epi16(odd + i / 2, (__mmask16)((1u << odds) - 1), _mm512_extracti64x4_epi64(split, 1));
  }
}

// A row of the channel-pair images, 16 pairs per conversion.
void pair_up(const float* even, const float* odd, int n, uint32_t* out) {
  for (int l = 0; l < n; l += 16) {
    const __mmask16 lanes = (__mmask16)(n - l >= 16 ? 0xFFFFu : (1u << (n - l)) - 1);
    const __m512i pairs = pairs_of_rows(_mm512_maskz_loadu_ps(lanes, even + l), _mm512_maskz_loadu_ps(lanes, odd + l));
    _mm512_mask_storeu_epi32(out + l, lanes, pairs);
  }
}

}  // namespace

PairUpFn implicit_pair_up_avx512bf16() { return pair_up; }
WriteTapRowsFn implicit_write_tap_rows_avx512bf16() { return write_tap_rows_with; }
WriteBf16PanelFn implicit_write_bf16_panel_avx512bf16() { return write_bf16_panel; }
RoundBf16Fn implicit_round_bf16_avx512bf16() { return round_bf16; }
RoundSplitBf16Fn implicit_round_split_bf16_avx512bf16() { return round_split_bf16; }

}  // namespace cnn
