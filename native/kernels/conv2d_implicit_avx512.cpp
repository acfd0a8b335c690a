// The implicit-GEMM convolution's panel writers for AVX-512, for fp32 panels (WritePanelFn)
// and the bf16 GEMM's panels of channel pairs (WritePairPanelFn): both copy 32-bit elements,
// so one code serves both. A panel whose every row is one run of a whole output row takes two
// plain vector copies per row; any other is gathered 16 lanes at a time, one masked load per
// run reaching into the 16 lanes (a run is a piece of one padded input row, often 8 or 16
// elements long), and stored whole. A memcpy call per run, or a generic loop over runs,
// made the panel writing a large share of the convolution, next to the GEMM itself.
#include <immintrin.h>
#include "kernels/conv2d_implicit_chunks.h"
#include "kernels/conv2d_implicit_panel.h"

namespace cnn {
namespace {

// A panel of nr = 32 lanes that one run fills: rows [first, first + rows) of the column
// matrix from src (the run's start), then rows up to `total` zero.
template <class T>
void write_whole_rows(const PanelGeometry& g, const T* src, int first, int rows, int total, T* panel) {
  TapCursor tap(g, first);
  for (int k = 0; k < total; ++k, panel += 32) {
    __m512i lo = _mm512_setzero_si512(), hi = _mm512_setzero_si512();
    if (k < rows) {
      const T* at = src + tap.offset;
      tap.next();
      lo = _mm512_loadu_si512(at);
      hi = _mm512_loadu_si512(at + 16);
    }
    _mm512_storeu_si512(panel, lo);
    _mm512_storeu_si512(panel + 16, hi);
  }
}

// Any runs, nr <= 32: the same rows, each 16-lane chunk gathered by masked loads (worked out
// once per panel) and stored whole; lanes no run covers are zero.
template <class T>
void write_chunks(const PanelGeometry& g, const T* padded, const PanelRun* runs, int run_count, int nr, int first,
                  int rows, int total, T* panel) {
  ChunkLoads chunks[kMaxPanelChunks];
  const int chunk_count = chunk_loads_of(runs, run_count, nr, chunks);
  TapCursor tap(g, first);
  for (int k = 0; k < total; ++k, panel += nr) {
    const T* src = nullptr;
    if (k < rows) {
      src = padded + tap.offset;
      tap.next();
    }
    for (int q = 0; q < chunk_count; ++q) {
      __m512i v = _mm512_setzero_si512();
      // A masked-off lane is not read, so a vector may start before its run (no fault).
      if (src)
        for (int p = 0; p < chunks[q].count; ++p)
          v = _mm512_mask_loadu_epi32(v, chunks[q].lanes[p], src + chunks[q].shift[p]);
      const int left = nr - 16 * q;
      _mm512_mask_storeu_epi32(panel + 16 * q, (__mmask16)(left >= 16 ? 0xFFFFu : (1u << left) - 1), v);
    }
  }
}

template <class T>
void write_rows(const PanelGeometry& g, const T* padded, const PanelRun* runs, int run_count, int nr, int first,
                int rows, int total, T* panel) {
  if (run_count == 1 && runs[0].len == nr && nr == 32)
    return write_whole_rows(g, padded + runs[0].src, first, rows, total, panel);
  write_chunks(g, padded, runs, run_count, nr, first, rows, total, panel);
}

void write_panel(const PanelGeometry& g, const float* padded, const PanelRun* runs, int run_count, int valid, int nr,
                 float* panel) {
  (void)valid;  // lanes no run covers are zero
  const int rows = g.c * g.kh * g.kw;
  write_rows(g, padded, runs, run_count, nr, 0, rows, rows, panel);
}

void write_pair_panel(const PanelGeometry& g, const uint32_t* pairs, const PanelRun* runs, int run_count, int valid,
                      int nr, int first, int rows, int kc2, uint32_t* panel) {
  (void)valid;
  write_rows(g, pairs, runs, run_count, nr, first, rows, kc2, panel);
}

}  // namespace

WritePanelFn implicit_write_panel_avx512() { return write_panel; }
WritePairPanelFn implicit_write_pair_panel_avx512() { return write_pair_panel; }

}  // namespace cnn
