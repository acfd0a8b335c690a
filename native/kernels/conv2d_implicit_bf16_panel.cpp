// The implicit-GEMM convolution's bf16 panel writer for any CPU (see WriteBf16PanelFn in
// conv2d_implicit_panel.h) and backward-weights' rounding of its images (RoundBf16Fn):
// element by element, rounding with bf16.h's float_to_bf16, the rounding the portable bf16
// GEMM path packs with; and the channel-pair images and panels (PairUpFn, WritePairPanelFn).
#include <algorithm>
#include <cstring>
#include "kernels/bf16.h"
#include "kernels/conv2d_implicit_panel.h"

namespace cnn {
namespace {

void write_bf16_panel(const PanelGeometry& g, const float* padded, const PanelRun* runs, int run_count, int valid,
                      int nr, int p0, int kc, int kc2, uint16_t* panel) {
  std::fill_n(panel, (size_t)kc2 * nr * 2, (uint16_t)0);
  TapCursor tap(g, p0);
  for (int k = 0; k < kc; ++k, tap.next()) {
    uint16_t* row = panel + (size_t)(k / 2) * nr * 2 + (k % 2);  // lane l at row[2 * l]
    for (int r = 0; r < run_count; ++r) {
      const float* src = padded + tap.offset + runs[r].src;
      for (int l = 0; l < runs[r].len; ++l) row[2 * (runs[r].lane + l)] = float_to_bf16(src[l]);
    }
  }
  (void)valid;  // lanes no run covers stay zero
}

void round_bf16(const float* src, size_t n, uint16_t* dst) {
  for (size_t i = 0; i < n; ++i) dst[i] = float_to_bf16(src[i]);
}

void round_split_bf16(const float* src, size_t n, uint16_t* even, uint16_t* odd) {
  for (size_t j = 0; 2 * j < n; ++j) even[j] = float_to_bf16(src[2 * j]);
  for (size_t j = 0; 2 * j + 1 < n; ++j) odd[j] = float_to_bf16(src[2 * j + 1]);
}

void pair_up(const float* even, const float* odd, int n, uint32_t* out) {
  for (int l = 0; l < n; ++l) out[l] = (uint32_t)float_to_bf16(even[l]) | (uint32_t)float_to_bf16(odd[l]) << 16;
}

void write_pair_panel(const PanelGeometry& g, const uint32_t* pairs, const PanelRun* runs, int run_count, int valid,
                      int nr, int first, int rows, int kc2, uint32_t* panel) {
  auto copy = [](uint32_t* dst, const uint32_t* src, int len) { std::memcpy(dst, src, sizeof(uint32_t) * len); };
  write_panel_rows_with(g, pairs, runs, run_count, valid, nr, first, rows, kc2, panel, copy);
}

}  // namespace

WriteTapRowsFn implicit_write_tap_rows_portable() { return write_tap_rows_with; }
WriteBf16PanelFn implicit_write_bf16_panel_portable() { return write_bf16_panel; }
RoundBf16Fn implicit_round_bf16_portable() { return round_bf16; }
RoundSplitBf16Fn implicit_round_split_bf16_portable() { return round_split_bf16; }
PairUpFn implicit_pair_up_portable() { return pair_up; }
WritePairPanelFn implicit_write_pair_panel_portable() { return write_pair_panel; }

}  // namespace cnn
