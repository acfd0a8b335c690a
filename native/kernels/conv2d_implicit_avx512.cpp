// The implicit-GEMM convolution's panel writer for AVX-512: each run is copied with masked
// 16-float loads and stores (a run is at most one output row and 32 floats, often 8 or 16):
// a memcpy call per run made the panel writing a large share of the convolution, next to
// the GEMM itself.
#include <immintrin.h>
#include "kernels/conv2d_implicit_panel.h"

namespace cnn {
namespace {

inline void copy_run(float* dst, const float* src, int len) {
  for (int l = 0; l < len; l += 16) {
    const int left = len - l;
    const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
    _mm512_mask_storeu_ps(dst + l, m, _mm512_maskz_loadu_ps(m, src + l));
  }
}

void write_panel(const PanelGeometry& g, const float* padded, const PanelRun* runs, int run_count, int valid, int nr,
                 float* panel) {
  write_panel_with(g, padded, runs, run_count, valid, nr, panel, copy_run);
}

}  // namespace

WritePanelFn implicit_write_panel_avx512() { return write_panel; }

}  // namespace cnn
