// Writing one packed panel of the implicit-GEMM convolution's column matrix (see
// conv2d_implicit.cpp): the loop over filter taps is here once, and each instruction-set
// unit supplies how one run of floats is copied. The template sits in an anonymous
// namespace so every unit compiles its own copy with its own flags (as gemm_pack.h does).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace cnn {

// The padded images are stored with each row split into phases by column stride: padded
// column x of a row lies at (x % sw) * phase + x / sw, so the columns a strided convolution
// reads for one filter tap, ox * sw + j for consecutive ox, are consecutive floats of phase
// j % sw (at stride 1 there is one phase, the row itself).
// Lanes [lane, lane + len) of every row of a panel come from one padded input row: for the
// row of filter tap (c, i, j), the len consecutive floats from padded + src + c*plane +
// i*wp + (j % sw) * phase + j / sw.
struct PanelRun {
  int lane, len;
  size_t src;
};

struct PanelGeometry {
  int c, kh, kw, sw;  // input channels, kernel, column stride (the phases of a row)
  size_t plane;       // floats of one padded plane
  size_t wp;          // floats of one padded row: sw * phase
  size_t phase;       // floats of one phase of a row
};

// panel (C*KH*KW, nr) <- the runs, lanes [valid, nr) zero.
using WritePanelFn = void (*)(const PanelGeometry& g, const float* padded, const PanelRun* runs, int run_count,
                              int valid, int nr, float* panel);

WritePanelFn implicit_write_panel_avx512();  // conv2d_implicit_avx512.cpp

// The same column matrix for the bf16 GEMM (gemm_bf16.h's Bf16PanelSource): panel (kc2, nr, 2)
// <- rows [p0, p0 + kc) of the panel's (C*KH*KW, nr) block rounded to bf16, in pairs of rows;
// lanes [valid, nr), rows past kc and the padding pairs zero.
using WriteBf16PanelFn = void (*)(const PanelGeometry& g, const float* padded, const PanelRun* runs, int run_count,
                                  int valid, int nr, int p0, int kc, int kc2, uint16_t* panel);
WriteBf16PanelFn implicit_write_bf16_panel_portable();    // conv2d_implicit_bf16_panel.cpp
WriteBf16PanelFn implicit_write_bf16_panel_avx512bf16();  // conv2d_implicit_bf16_panel_avx512bf16.cpp

// With an even number of channels the bf16 GEMM reads the column matrix in channel pairs
// instead: the padded images hold, per pair of channels (2c, 2c + 1), one 32-bit element per
// pixel (the two values rounded to bf16, channel 2c in the low half), and K runs over
// (pair, i, j, channel parity), so each pair of K is one filter tap of two channels. Pair row
// k2 of a panel is then one row of the column matrix of those 32-bit elements (geometry g
// over the C/2 pair planes): a run copy, with no rounding or interleaving per tap.
// panel (kc2, nr) <- pair rows [first, first + rows), rows [rows, kc2) and lanes [valid, nr) zero.
using WritePairPanelFn = void (*)(const PanelGeometry& g, const uint32_t* pairs, const PanelRun* runs, int run_count,
                                  int valid, int nr, int first, int rows, int kc2, uint32_t* panel);
WritePairPanelFn implicit_write_pair_panel_portable();  // conv2d_implicit_bf16_panel.cpp
WritePairPanelFn implicit_write_pair_panel_avx512();    // conv2d_implicit_avx512.cpp

// out[l] <- the pair (even[l], odd[l]) rounded to bf16 as the bf16 GEMM path's packer rounds,
// for l < n: a row of the pair images above.
using PairUpFn = void (*)(const float* even, const float* odd, int n, uint32_t* out);
PairUpFn implicit_pair_up_portable();    // conv2d_implicit_bf16_panel.cpp
PairUpFn implicit_pair_up_avx512bf16();  // conv2d_implicit_bf16_panel_avx512bf16.cpp

// Rounds n floats to bf16 as the bf16 GEMM path's packer does (backward-weights rounds its
// padded images once and copies runs of them into the GEMM's panels).
using RoundBf16Fn = void (*)(const float* src, size_t n, uint16_t* dst);
RoundBf16Fn implicit_round_bf16_portable();    // conv2d_implicit_bf16_panel.cpp
RoundBf16Fn implicit_round_bf16_avx512bf16();  // conv2d_implicit_bf16_panel_avx512bf16.cpp

// The same rounding of n floats, split by parity: even[j] <- src[2j], odd[j] <- src[2j + 1]
// (a row of a stride-2 convolution's image, its even and odd columns apart).
using RoundSplitBf16Fn = void (*)(const float* src, size_t n, uint16_t* even, uint16_t* odd);
RoundSplitBf16Fn implicit_round_split_bf16_portable();    // conv2d_implicit_bf16_panel.cpp
RoundSplitBf16Fn implicit_round_split_bf16_avx512bf16();  // conv2d_implicit_bf16_panel_avx512bf16.cpp

// Backward-weights' A panels (conv2d_implicit.cpp's TapRowSource): rows [r0, r0 + count) of
// the column matrix (filter taps) over K = output pixels [0, kc) of a slice, row-major,
// ceil(count / width) panels of (width, kc2, 2). Each run is a piece of the slice's pixels
// along one output row: lanes [lane, lane + len) of every row read the bf16 images from
// images + src + the row's tap offset; the images are readable kBf16RunSlack elements past
// their end. Copies bits, so every unit writes the same panel; each copies in blocks of its
// vector width.
constexpr int kBf16RunSlack = 32;
using WriteTapRowsFn = void (*)(const PanelGeometry& g, const uint16_t* images, const PanelRun* runs, int run_count,
                                int r0, int count, int kc, int width, int kc2, uint16_t* out);
WriteTapRowsFn implicit_write_tap_rows_portable();    // conv2d_implicit_bf16_panel.cpp
WriteTapRowsFn implicit_write_tap_rows_avx512bf16();  // conv2d_implicit_bf16_panel_avx512bf16.cpp

namespace {

// Where row k of the column matrix reads the padded images: filter tap (c, i, j), advanced
// one row at a time (a division per panel, not per row). In the anonymous namespace, like the
// template below, so each instruction-set unit keeps its own copy.
struct TapCursor {
  int i, j, kh, kw, sw;
  int j_phase;               // j % sw
  size_t offset;             // row_start + column
  size_t row_start, column;  // c * plane + i * wp; (j % sw) * phase + j / sw
  size_t plane, wp, phase;
  TapCursor(const PanelGeometry& g, int k) : kh(g.kh), kw(g.kw), sw(g.sw), plane(g.plane), wp(g.wp), phase(g.phase) {
    const int c = k / (g.kh * g.kw), rest = k % (g.kh * g.kw);
    i = rest / g.kw;
    j = rest % g.kw;
    j_phase = j % sw;
    row_start = c * plane + (size_t)i * wp;
    column = (size_t)j_phase * phase + j / sw;
    offset = row_start + column;
  }
  // The padded images' start of this row's tap and a step to the next row, if the row is
  // inside the slice (row < rows); nullptr (a zero row) otherwise.
  const float* take(const float* padded, bool inside) {
    if (!inside) return nullptr;
    const float* at = padded + offset;
    next();
    return at;
  }
  void next() {
    if (++j < kw) {
      if (++j_phase < sw) {  // the next phase, same place in it
        column += phase;
      } else {  // back to phase 0, one float on
        j_phase = 0;
        column = column + 1 - (size_t)(sw - 1) * phase;
      }
    } else {
      j = j_phase = 0;
      column = 0;
      if (++i < kh) {
        row_start += wp;
      } else {
        i = 0;
        row_start += plane - (size_t)(kh - 1) * wp;
      }
    }
    offset = row_start + column;
  }
};

// Panel rows 0, 1, ... <- rows [first, first + rows) of the column matrix, then rows up to
// `total` zero; lanes [valid, nr) zero. T: a float, or a pair of bf16 (WritePairPanelFn);
// copy(dst, src, len) copies len contiguous elements.
template <class T, class Copy>
inline void write_panel_rows_with(const PanelGeometry& g, const T* padded, const PanelRun* runs, int run_count,
                                  int valid, int nr, int first, int rows, int total, T* panel, Copy copy) {
  T* dst = panel;
  TapCursor tap(g, first);
  for (int k = 0; k < total; ++k, dst += nr) {
    if (k >= rows) {
      std::memset(dst, 0, sizeof(T) * nr);
      continue;
    }
    const T* tap_start = padded + tap.offset;
    tap.next();
    for (int r = 0; r < run_count; ++r) copy(dst + runs[r].lane, tap_start + runs[r].src, runs[r].len);
    for (int l = valid; l < nr; ++l) dst[l] = T(0);
  }
}

// The whole fp32 panel (WritePanelFn).
template <class Copy>
inline void write_panel_with(const PanelGeometry& g, const float* padded, const PanelRun* runs, int run_count,
                             int valid, int nr, float* panel, Copy copy) {
  const int rows = g.c * g.kh * g.kw;
  write_panel_rows_with(g, padded, runs, run_count, valid, nr, 0, rows, rows, panel, copy);
}

// WriteTapRowsFn's body; each run is copied in whole blocks of kBf16RunSlack elements while
// the row has room (the overhang is overwritten by the next run or the row's zero tail).
inline void write_tap_rows_with(const PanelGeometry& g, const uint16_t* images, const PanelRun* runs, int run_count,
                                int r0, int count, int kc, int width, int kc2, uint16_t* out) {
  constexpr int kBlock = kBf16RunSlack;
  TapCursor tap(g, r0);
  const int row_length = 2 * kc2;
  const int rows = (count + width - 1) / width * width;
  for (int r = 0; r < rows; ++r) {
    uint16_t* row = out + (size_t)r * row_length;
    if (r >= count) {
      std::memset(row, 0, sizeof(uint16_t) * row_length);
      continue;
    }
    const uint16_t* from = images + tap.offset;
    tap.next();
    for (int k = 0; k < run_count; ++k) {
      uint16_t* dst = row + runs[k].lane;
      const uint16_t* src = from + runs[k].src;
      const int len = runs[k].len, room = row_length - runs[k].lane;
      int i = 0;
      for (; i < len && room - i >= kBlock; i += kBlock) std::memcpy(dst + i, src + i, sizeof(uint16_t) * kBlock);
      if (i < len) std::memcpy(dst + i, src + i, sizeof(uint16_t) * (size_t)(len - i));
    }
    std::memset(row + kc, 0, sizeof(uint16_t) * (row_length - kc));
  }
}

}  // namespace
}  // namespace cnn
