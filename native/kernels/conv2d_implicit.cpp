// Implicit-GEMM convolution (see conv2d_implicit.h). For a group of images (the grouping
// of conv2d_group.h) the column matrix (CKK, G*P) exists only as the GEMM's packed panels:
// panel q holds columns q*NR .. q*NR + NR - 1 as (CKK, NR), and its row (c, i, j) is, run
// by run, a piece of one row of one zero-bordered image: the output columns ox .. of
// output row oy read padded input row oy*SH + i from column ox*SW + j on. So each panel
// row is one or a few contiguous copies from a buffer in L1 or L2, written in the order
// the micro-kernel reads them, and sgemm_serial_packed_b multiplies the filters by it.
// The sums are those of the im2col path (same micro-kernel, same K slices), so forward
// results are bitwise the same; backward-data sums its terms in another order.
// At a column stride the padded rows are stored split into phases (conv2d_implicit_panel.h),
// so that every run is still contiguous.
// In bf16 the panels are the bf16 GEMM's ((kc2, NR, 2) pairs per K slice): the GEMM asks a
// ColumnSource for each slice, which writes it from the same runs (conv2d_implicit_panel.h).
// With an even number of channels the images are padded in channel pairs instead, rounded
// to bf16 once per image rather than once per filter tap, and K is ordered (pair, i, j,
// parity), the filters reordered to match (ColumnSource): each panel row is then a
// copy, and the sums are im2col's products in another order.
// Backward-weights (bf16) runs transposed, the column matrix as the GEMM's A (TapRowSource):
// each row-major panel row is one tap's run of output pixels, copied from the padded images
// rounded to bf16 once per group.
// Threads: one parallel region per call, each thread a fixed range of whole images with
// its own buffers; results do not depend on the thread count.
// Dimension names as in conv2d.h; CKK = C*KH*KW, P = OH*OW, NR = gemm_panel_columns().
#include "kernels/conv2d_implicit.h"
#include "kernels/activation.h"
#include "kernels/conv2d_group.h"
#include "kernels/conv2d_implicit_panel.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"
#include "kernels/padded_planes.h"
#include "kernels/threads.h"
#include <algorithm>
#include <cstring>

namespace cnn {

namespace {

size_t round16(size_t n) { return (n + 15) / 16 * 16; }

// Every GEMM path's panel width divides this, so buffers sized with it fit any path
// (tests switch paths between calls on one workspace).
constexpr int kMaxPanelColumns = 32;

// Buffer sizes of one thread, in floats, each whole cache lines.
struct Layout {
  int ckk, p, group;
  bool pairs;         // bf16 in channel pairs (even C)
  int phase;          // floats of one phase of a padded row (conv2d_implicit_panel.h)
  int wp;             // padded row length, sw phases
  size_t plane;       // padded plane
  size_t xpad;        // one zero-bordered image
  size_t panels;      // the group's column panels
  size_t rows;        // the group's outputs, (OC, conv_group_ld(G*P))
  size_t pair_row;    // one input row in channel pairs, before its split into phases
  size_t per_thread;  // G padded images, the panels, the outputs, the pair row
};

Layout layout_of(const Conv2dShape& s, Precision precision = Precision::fp32) {
  Layout L;
  L.ckk = s.c * s.kh * s.kw;
  L.pairs = precision == Precision::bf16 && s.c % 2 == 0;
  L.p = s.oh * s.ow;
  L.group = conv_group_images(s);
  L.phase = (s.w + 2 * s.pw + s.sw - 1) / s.sw;
  L.wp = s.sw * L.phase;
  L.plane = (size_t)(s.h + 2 * s.ph) * L.wp;
  L.xpad = round16((size_t)s.c * L.plane);
  const size_t columns = (size_t)L.group * L.p;
  L.panels = round16((columns + kMaxPanelColumns - 1) / kMaxPanelColumns * kMaxPanelColumns * L.ckk);
  L.rows = (size_t)s.oc * conv_group_ld((int)columns);
  L.pair_row = round16((size_t)s.w);
  L.per_thread = (size_t)L.group * L.xpad + L.panels + L.rows + L.pair_row;
  return L;
}

// The column matrix's geometry; in channel pairs, over the C/2 pair planes.
PanelGeometry geometry_of(const Conv2dShape& s, const Layout& L) {
  return PanelGeometry{L.pairs ? s.c / 2 : s.c, s.kh, s.kw, s.sw, L.plane, (size_t)L.wp, (size_t)L.phase};
}

// The zero-bordered image x, its rows in phases, into the group's buffer (borders already zero).
void pad_image_into(const Conv2dShape& s, const Layout& L, const float* x, float* out) {
  pad_planes_into_phases(x, s.c, s.h, s.w, s.ph, s.pw, s.sw, L.phase, L.plane, out);
}

// The same in channel pairs (conv2d_implicit_panel.h): plane c of out <- channels 2c and 2c + 1
// rounded to bf16 by pair_up, row by row; at a column stride each row goes through `row`.
void pad_image_pairs_into(const Conv2dShape& s, const Layout& L, const float* x, PairUpFn pair_up, uint32_t* row,
                          uint32_t* out) {
  const size_t plane_in = (size_t)s.h * s.w;
  for (int c = 0; c < s.c / 2; ++c)
    for (int r = 0; r < s.h; ++r) {
      const float* even = x + 2 * c * plane_in + (size_t)r * s.w;
      uint32_t* dst = out + c * L.plane + (size_t)(r + s.ph) * L.wp;
      if (s.sw == 1) {
        pair_up(even, even + plane_in, s.w, dst + s.pw);
      } else {
        pair_up(even, even + plane_in, s.w, row);
        scatter_row_into_phases(row, s.w, s.pw, s.sw, (size_t)L.phase, dst);
      }
    }
}

// The filters (OC, C, KH, KW) with K in channel-pair order: out[o][((c / 2) * KH*KW + t) * 2 + c % 2]
// = w[o][c][t] for tap t.
void filters_in_pairs(const Conv2dShape& s, const float* w, float* out) {
  const int taps = s.kh * s.kw, ckk = s.c * taps;
  for (int o = 0; o < s.oc; ++o)
    for (int c = 0; c < s.c; ++c)
      for (int t = 0; t < taps; ++t)
        out[(size_t)o * ckk + ((c / 2) * taps + t) * 2 + c % 2] = w[(size_t)o * ckk + c * taps + t];
}

// The runs of the group's columns [q0, q0 + n): a new run where an output row or an image ends.
int runs_of(const Conv2dShape& s, const Layout& L, int q0, int n, PanelRun* runs) {
  int count = 0;
  for (int lane = 0; lane < n;) {
    const int q = q0 + lane, image = q / L.p, pos = q % L.p, oy = pos / s.ow, ox = pos % s.ow;
    const int len = std::min(s.ow - ox, n - lane);
    runs[count++] = PanelRun{lane, len, (size_t)image * L.xpad + (size_t)oy * s.sh * L.wp + ox};
    lane += len;
  }
  return count;
}

void write_panel_portable(const PanelGeometry& g, const float* padded, const PanelRun* runs, int run_count, int valid,
                          int nr, float* panel) {
  auto copy = [](float* dst, const float* src, int len) { std::memcpy(dst, src, sizeof(float) * len); };
  write_panel_with(g, padded, runs, run_count, valid, nr, panel, copy);
}

// The panel writer of the GEMM path in use (its vector width); memcpy where no unit of its own.
WritePanelFn panel_writer() {
  return std::strcmp(gemm_path(), "avx512") == 0 ? implicit_write_panel_avx512() : write_panel_portable;
}

// The group's column matrix for the bf16 GEMM: each panel written from the padded images for
// the K slice the GEMM asks for (sgemm_bf16_serial_packed_a), rounded to bf16 as it is
// written; or, in channel pairs (L.pairs), pair row k2 of a slice is row p0 / 2 + k2 of the
// pair planes' column matrix, a copy (slices start at even K).
class ColumnSource final : public Bf16PanelSource {
 public:
  ColumnSource(const Conv2dShape& s, const Layout& L, const PanelGeometry& g, const float* padded)
      : s_(s), L_(L), g_(g), padded_(padded) {
    const bool vector = gemm_bf16_vector_packing();
    if (L.pairs)
      write_pairs_ = vector ? implicit_write_pair_panel_avx512() : implicit_write_pair_panel_portable();
    else
      write_ = vector ? implicit_write_bf16_panel_avx512bf16() : implicit_write_bf16_panel_portable();
  }
  void pack(int j0, int p0, int cols, int kc, int nr, int kc2, uint16_t* out) const override {
    PanelRun runs[kMaxPanelColumns];
    for (int q = 0; q * nr < cols; ++q) {
      const int n = std::min(nr, cols - q * nr);
      const int run_count = runs_of(s_, L_, j0 + q * nr, n, runs);
      uint16_t* panel = out + (size_t)q * nr * kc2 * 2;
      if (L_.pairs)
        write_pairs_(g_, reinterpret_cast<const uint32_t*>(padded_), runs, run_count, n, nr, p0 / 2, (kc + 1) / 2, kc2,
                     reinterpret_cast<uint32_t*>(panel));
      else
        write_(g_, padded_, runs, run_count, n, nr, p0, kc, kc2, panel);
    }
  }

 private:
  const Conv2dShape& s_;
  const Layout& L_;
  const PanelGeometry& g_;
  const float* padded_;
  WriteBf16PanelFn write_ = nullptr;
  WritePairPanelFn write_pairs_ = nullptr;
};

// The column matrix of a group as backward-weights' bf16 GEMM's A: rows the filter taps, K
// the group's output pixels. A tap's run of pixels along one output row is a run of one
// padded input row (of one phase of it at a column stride), so with the padded images rounded to bf16 once, each
// row-major panel row (a tap's pixels [p0, p0 + kc), pairs contiguous) is a few copies.
class TapRowSource final : public Bf16PanelSource {
 public:
  // bf16_images: the group's padded images in bf16 (image stride L.xpad), kBf16RunSlack more after.
  TapRowSource(const Conv2dShape& s, const Layout& L, const uint16_t* bf16_images)
      : s_(s),
        L_(L),
        images_(bf16_images),
        write_(gemm_bf16_vector_packing() ? implicit_write_tap_rows_avx512bf16() : implicit_write_tap_rows_portable()) {
  }

  void pack(int r0, int p0, int count, int kc, int width, int kc2, uint16_t* out) const override {
    constexpr int kMaxRuns = 512;  // pixels of the largest K slice (256 pairs): runs are at least one pixel long
    PanelRun runs[kMaxRuns];
    int run_count = 0;
    for (int m = 0; m < kc;) {  // the pieces of pixels [p0, p0 + kc) that lie in one output row
      const int q = p0 + m, image = q / L_.p, pos = q % L_.p, oy = pos / s_.ow, ox = pos % s_.ow;
      const int len = std::min(s_.ow - ox, kc - m);
      runs[run_count++] = PanelRun{m, len, (size_t)image * L_.xpad + (size_t)oy * s_.sh * L_.wp + ox};
      m += len;
    }
    const PanelGeometry g = geometry_of(s_, L_);
    write_(g, images_, runs, run_count, r0, count, kc, width, kc2, out);
  }

 private:
  const Conv2dShape& s_;
  const Layout& L_;
  const uint16_t* images_;
  WriteTapRowsFn write_;
};

// One thread's buffers.
struct Buffers {
  float* padded_images;  // G x (C, H + 2PH, W + 2PW), borders zero (in pairs: C/2 planes of 32 bits)
  float* panels;
  float* rows;
  uint32_t* pair_row;
};

// How forward_group writes its results into y.
enum class Output { store, add, store_relu };

// y (=, +=, or = relu of) bias + conv(x, w) for `count` images from the first of x and y.
// In bf16 the panels are the bf16 GEMM's own, written for each K slice as it asks, and w,
// packed_w are in channel-pair order where L.pairs. A group of one image has its outputs laid
// out as y's (OC, P): a store writes them there.
void forward_group(const Conv2dShape& s, const Layout& L, const float* x, const float* w, const uint16_t* packed_w,
                   const float* b, float* y, Output mode, Precision precision, int count, Buffers buf) {
  const size_t x_image = (size_t)s.c * s.h * s.w, y_image = (size_t)s.oc * L.p;
  if (L.pairs) {
    const PairUpFn pair_up = gemm_bf16_vector_packing() ? implicit_pair_up_avx512bf16() : implicit_pair_up_portable();
    uint32_t* images = reinterpret_cast<uint32_t*>(buf.padded_images);
    for (int g = 0; g < count; ++g)
      pad_image_pairs_into(s, L, x + g * x_image, pair_up, buf.pair_row, images + g * L.xpad);
  } else {
    for (int g = 0; g < count; ++g) pad_image_into(s, L, x + g * x_image, buf.padded_images + g * L.xpad);
  }
  const int columns = count * L.p;
  // The outputs go straight into y (its bias stored there first, the ReLU done by the GEMM on
  // each finished tile) wherever no micro-tile straddles two images: one image, or planes of
  // whole panels. Not when adding into y, which would change the sums' order.
  const int nr = precision == Precision::bf16 ? gemm_bf16_panel_columns() : gemm_panel_columns();
  const bool in_place = mode != Output::add && (count == 1 || L.p % nr == 0);
  const GemmOutput out = in_place ? GemmOutput{y, L.p, count > 1 ? L.p : 0, y_image, mode == Output::store_relu}
                                  : GemmOutput{buf.rows, conv_group_ld(columns)};
  const PanelGeometry geometry = geometry_of(s, L);
  if (b)
    for (int o = 0; o < s.oc; ++o)
      for (int g = 0; g < count; ++g) std::fill_n(out.at(o, g * L.p), L.p, b[o]);
  const float beta = b ? 1.0f : 0.0f;
  if (precision == Precision::bf16) {
    const ColumnSource columns_of_group(s, L, geometry, buf.padded_images);
    sgemm_bf16_serial_packed_a(s.oc, columns, L.ckk, 1.0f, w, L.ckk, packed_w, columns_of_group, beta, out);
  } else {
    const WritePanelFn write_panel = panel_writer();
    PanelRun runs[kMaxPanelColumns];
    for (int q0 = 0; q0 < columns; q0 += nr) {
      const int n = std::min(nr, columns - q0);
      const int run_count = runs_of(s, L, q0, n, runs);
      write_panel(geometry, buf.padded_images, runs, run_count, n, nr, buf.panels + (size_t)q0 * L.ckk);
    }
    sgemm_serial_packed_b(s.oc, columns, L.ckk, 1.0f, w, L.ckk, buf.panels, beta, out);
  }
  if (in_place) return;
  for (int g = 0; g < count; ++g)
    for (int o = 0; o < s.oc; ++o) {
      float* dst = y + g * y_image + (size_t)o * L.p;
      const float* in = out.at(o, g * L.p);
      if (mode == Output::add)
        for (int q = 0; q < L.p; ++q) dst[q] += in[q];
      else if (mode == Output::store_relu)
        for (int q = 0; q < L.p; ++q) dst[q] = relu_of(in[q]);
      else
        std::memcpy(dst, in, sizeof(float) * L.p);
    }
}

// The filters rounded to bf16 and packed as the GEMM's A, once per call (not per group); and
// before that, in channel pairs, reordered in fp32 (the GEMM's A where it cannot pack).
size_t packed_filter_floats(const Conv2dShape& s) {
  return round16((gemm_bf16_packed_a_elements(s.oc, s.c * s.kh * s.kw) + 1) / 2);
}
size_t pair_filter_floats(const Conv2dShape& s) { return round16((size_t)s.oc * s.c * s.kh * s.kw); }

// The whole batch: each thread a fixed range of images, in groups. Workspace: the packed
// filters, the filters in pair order, then each thread's buffers.
void forward_batch(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y, Output mode,
                   Precision precision, float* workspace) {
  const Layout L = layout_of(s, precision);
  const size_t x_image = (size_t)s.c * s.h * s.w, y_image = (size_t)s.oc * L.p;
  uint16_t* packed_w = reinterpret_cast<uint16_t*>(workspace);
  float* pair_w = workspace + packed_filter_floats(s);
  if (L.pairs) {
    filters_in_pairs(s, w, pair_w);
    w = pair_w;
  }
  if (precision == Precision::bf16) gemm_bf16_pack_a(s.oc, L.ckk, w, L.ckk, packed_w);
  float* buffers = pair_w + pair_filter_floats(s);
  auto body = [&](int t, int team) {
    float* base = buffers + t * L.per_thread;
    float* panels = base + (size_t)L.group * L.xpad;
    const Buffers buf{base, panels, panels + L.panels, reinterpret_cast<uint32_t*>(panels + L.panels + L.rows)};
    std::memset(buf.padded_images, 0, sizeof(float) * L.group * L.xpad);  // the borders, once
    const int begin = (int)((long long)s.n * t / team), end = (int)((long long)s.n * (t + 1) / team);
    for (int i = begin; i < end; i += L.group)
      forward_group(s, L, x + i * x_image, w, packed_w, b, y + i * y_image, mode, precision, std::min(L.group, end - i),
                    buf);
  };
  const int nt = std::max(1, std::min(num_threads(), s.n));
  if (nt == 1) return body(0, 1);
#pragma omp parallel num_threads(nt)
  body(thread_id(), team_size());
}

// Backward-data of s as a forward convolution: dy (OC planes of OH x OW) padded by K-1-P,
// filters (C, OC, KH, KW) flipped in space, output dx (C, H, W).
Conv2dShape transposed(const Conv2dShape& s) {
  Conv2dShape t{s.n, s.oc, s.oh, s.ow, s.c, s.kh, s.kw, 1, 1, s.kh - 1 - s.ph, s.kw - 1 - s.pw, 0, 0};
  conv2d_output_size(t);
  return t;
}

size_t flipped_filter_floats(const Conv2dShape& s) { return round16((size_t)s.oc * s.c * s.kh * s.kw); }

}  // namespace

bool implicit_forward_supported(const Conv2dShape& s) {
  return !conv_is_pointwise(s) && s.n > 0 && s.oh > 0 && s.ow > 0;
}

bool implicit_backward_weights_supported(const Conv2dShape& s) { return implicit_forward_supported(s); }

bool implicit_backward_data_supported(const Conv2dShape& s) {
  return implicit_forward_supported(s) && s.sh == 1 && s.sw == 1 && s.ph < s.kh && s.pw < s.kw;
}

size_t conv2d_implicit_workspace_floats(const Conv2dShape& s, int threads) {
  const size_t t = (size_t)std::max(1, std::min(threads, std::max(s.n, 1)));
  size_t need = 0;
  if (implicit_forward_supported(s))
    need = packed_filter_floats(s) + pair_filter_floats(s) + t * layout_of(s).per_thread;
  if (implicit_backward_data_supported(s)) {
    const Conv2dShape back = transposed(s);
    need = std::max(need, flipped_filter_floats(s) + packed_filter_floats(back) + pair_filter_floats(back) +
                              t * layout_of(back).per_thread);
  }
  return need;
}

void conv2d_implicit_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                             float* workspace, bool relu, Precision precision) {
  forward_batch(s, x, w, b, y, relu ? Output::store_relu : Output::store, precision, workspace);
}

void conv2d_implicit_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                                   float* workspace, Precision precision) {
  // flipped[c][o][i][j] = w[o][c][KH-1-i][KW-1-j]
  float* flipped = workspace;
  for (int c = 0; c < s.c; ++c)
    for (int o = 0; o < s.oc; ++o)
      for (int i = 0; i < s.kh; ++i)
        for (int j = 0; j < s.kw; ++j)
          flipped[(((size_t)c * s.oc + o) * s.kh + i) * s.kw + j] =
              w[(((size_t)o * s.c + c) * s.kh + (s.kh - 1 - i)) * s.kw + (s.kw - 1 - j)];
  forward_batch(transposed(s), dy, flipped, nullptr, dx, accumulate ? Output::add : Output::store, precision,
                workspace + flipped_filter_floats(s));
}

namespace {

// Backward-weights' scratch: one input row in bf16 (at a column stride, before its split into
// phases), then the group's zero-bordered images in bf16 (and the copies' slack).
size_t bf16_row_floats(const Conv2dShape& s) { return round16(((size_t)s.w + 1) / 2); }

// The zero-bordered image x rounded to bf16, its rows in phases, into out (all L.xpad
// elements: the scratch is shared with other work, so its borders are not zero). Each row is
// rounded straight into place (through `row` at a column stride): no fp32 copy in between.
void round_image_into(const Conv2dShape& s, const Layout& L, const float* x, RoundBf16Fn round, uint16_t* row,
                      uint16_t* out) {
  std::memset(out, 0, sizeof(uint16_t) * L.xpad);
  for (int c = 0; c < s.c; ++c)
    for (int r = 0; r < s.h; ++r) {
      const float* src = x + ((size_t)c * s.h + r) * s.w;
      uint16_t* dst = out + c * L.plane + (size_t)(r + s.ph) * L.wp;
      if (s.sw == 1) {
        round(src, (size_t)s.w, dst + s.pw);
      } else {
        round(src, (size_t)s.w, row);
        scatter_row_into_phases(row, s.w, s.pw, s.sw, (size_t)L.phase, dst);
      }
    }
}

}  // namespace

size_t conv2d_implicit_weights_scratch_floats(const Conv2dShape& s) {
  if (!implicit_backward_weights_supported(s)) return 0;
  const Layout L = layout_of(s);
  return bf16_row_floats(s) + round16(((size_t)L.group * L.xpad + kBf16RunSlack + 1) / 2);
}

void conv2d_implicit_backward_weights_product(const Conv2dShape& s, const float* x, int count, const float* rows,
                                              int ld, float* dw_t, bool accumulate, float* scratch) {
  const Layout L = layout_of(s);
  const size_t x_image = (size_t)s.c * s.h * s.w;
  uint16_t* row = reinterpret_cast<uint16_t*>(scratch);
  uint16_t* images = reinterpret_cast<uint16_t*>(scratch + bf16_row_floats(s));
  const RoundBf16Fn round =
      gemm_bf16_vector_packing() ? implicit_round_bf16_avx512bf16() : implicit_round_bf16_portable();
  for (int g = 0; g < count; ++g) round_image_into(s, L, x + g * x_image, round, row, images + g * L.xpad);
  std::fill_n(images + count * L.xpad, kBf16RunSlack, (uint16_t)0);
  const TapRowSource col(s, L, images);
  sgemm_bf16_serial_sourced_a(L.ckk, s.oc, count * L.p, 1.0f, col, true, rows, ld, accumulate ? 1.0f : 0.0f, dw_t,
                              s.oc);
}

}  // namespace cnn
