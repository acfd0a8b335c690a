// The direct convolution's driver: workspace layout, the
// per-call re-layout of filters, padding of images into plane buffers, the split over
// threads, and the fixed-order reduction of backward-weights' per-thread partial sums. The
// vector kernels are in conv2d_direct_impl.h, one copy per instruction set, picked by the
// GEMM's path (so CNN_GEMM_PATH / setGemmPath exercise them too).
//
// Threads: one parallel region per call. Images are handed out one at a time from a shared
// counter (forward, backward-data) or in fixed chunks (backward-weights), so a thread the
// OS preempts on a busy machine delays the call by one image or chunk, not by its whole
// static share. Results still repeat bit for bit: an image's forward or backward-data
// result does not depend on which thread computes it, and backward-weights sums each chunk
// (a fixed image range) into its own partial, then adds the partials in chunk order.
#include "kernels/conv2d_direct.h"
#include "kernels/activation.h"
#include "kernels/conv2d_direct_kernel.h"
#include "kernels/conv2d_direct_data_phases.h"
#include "kernels/bf16.h"
#include "kernels/conv2d_implicit.h"
#include "kernels/conv2d_implicit_panel.h"
#include "kernels/gemm_bf16.h"
#include "kernels/gemm.h"
#include "kernels/padded_planes.h"
#include "kernels/sum_floats.h"
#include "kernels/threads.h"
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace cnn {

namespace {

const ConvDirectKernels& kernels() {
  const char* name = gemm_path();
  if (std::strcmp(name, "avx512") == 0) return conv_direct_kernels_avx512();
  if (std::strcmp(name, "avx2") == 0) return conv_direct_kernels_avx2();
  return conv_direct_kernels_portable();
}

size_t round16(size_t n) { return (n + 15) / 16 * 16; }

// Buffer sizes in floats, each rounded to whole cache lines.
struct DirectSizes {
  size_t ckk, p;      // C*KH*KW taps, OH*OW output positions
  size_t ocp, cp;     // OC and C rounded up to 16
  size_t xpad;        // one padded input image
  size_t dypad;       // one padded output-gradient image (backward-data)
  size_t dy;          // one image's dy for backward-weights, transposed or row-padded
  size_t dy_pairs;    // bf16 backward-weights: dy transposed in pairs of output positions
  size_t masked;      // the fused backward: one image's dy after the ReLU's mask
  size_t shared;      // filters re-laid out and the padded bias (or zeros)
  bool one_pass;      // the one-pass backward applies: its buffers stay within kOnePassFloats
  size_t per_thread;  // a thread's buffers (ThreadBuffers), for any of the ops
  size_t partial;     // one backward-weights partial sum: dwT (CKK, ocp) and dbT (ocp)
};

DirectGeom forward_geom(const Conv2dShape& s) {
  return DirectGeom{s.c,
                    s.kh,
                    s.kw,
                    s.sh,
                    s.sw,
                    s.h + 2 * s.ph,
                    s.w + 2 * s.pw,
                    s.ph,
                    s.h,
                    s.oh,
                    s.ow,
                    s.oc,
                    (int)round16((size_t)s.oc)};
}

// Backward-data's dy, bordered with zeros for every output phase's window
// (conv2d_direct_data_phases.h): OC planes (hp, wp) with dy at row border_h, column border_w.
struct DataPlanes {
  int border_h, border_w, hp, wp;
};

DataPlanes data_planes(const Conv2dShape& s) {
  DataPlanes d;
  d.border_h = phases_border(s.sh, s.kh, s.ph, s.h, s.oh);
  d.border_w = phases_border(s.sw, s.kw, s.pw, s.w, s.ow);
  d.hp = s.oh + 2 * d.border_h;
  d.wp = s.ow + 2 * d.border_w;
  return d;
}

// The one-pass backward keeps all its buffers per thread. Past this many floats (2 MB) an
// image's buffers no longer stay in cache from one op to the next and the extra memory per
// thread buys nothing: larger layers run the ops one after the other.
constexpr size_t kOnePassFloats = size_t(1) << 19;

DirectSizes sizes_of(const Conv2dShape& s) {
  DirectSizes z;
  z.ckk = (size_t)s.c * s.kh * s.kw;
  z.p = (size_t)s.oh * s.ow;
  z.ocp = round16((size_t)s.oc);
  z.cp = round16((size_t)s.c);
  z.xpad = round16((size_t)s.c * (s.h + 2 * s.ph) * (s.w + 2 * s.pw) + kDirectPlaneSlack);
  z.dypad = 0;
  if (direct_backward_data_supported(s)) {  // dy bordered, and with a stride each phase's output
    const DataPlanes d = data_planes(s);
    z.dypad = round16((size_t)s.oc * d.hp * d.wp + kDirectPlaneSlack);
    if (s.sh > 1)
      z.dypad += round16((size_t)s.c * phase_axis(0, s.sh, s.kh, s.ph, s.h).count *
                         phase_axis(0, s.sw, s.kw, s.pw, s.w).count);
  }
  size_t taps = (size_t)s.kh * s.kw;
  z.shared = round16(std::max(z.ckk * z.ocp, taps * s.oc * z.cp)) + std::max(z.ocp, z.cp);
  z.dy = round16(std::max(z.p * z.ocp, (size_t)s.oc * s.oh * direct_dy_row(s.ow)));  // dyT or padded rows
  z.dy_pairs = round16((size_t)s.oh * (((size_t)s.ow + 1) / 2) * z.ocp);             // bf16 dy in position pairs
  z.masked = round16((size_t)s.oc * z.p);
  const size_t one_pass = z.xpad + z.dy + z.dy_pairs + z.dypad + z.masked;  // all at once
  z.one_pass = one_pass <= kOnePassFloats;
  z.per_thread = z.one_pass ? one_pass : std::max(z.xpad + z.dy + z.dy_pairs, z.dypad);  // or one op's
  z.partial = round16(z.ckk * z.ocp + z.ocp);
  return z;
}

// Backward-weights' image chunks: at least one per thread, up to 16 while their partial
// sums stay within about 4 MB, and a multiple of the thread count so the threads' shares are
// equal (three chunks on two threads would leave one thread idle for a third of the call);
// fixed by the shape and the thread count.
int weight_chunks(const Conv2dShape& s, const DirectSizes& z, int threads) {
  const size_t cap = std::max<size_t>(1, (size_t(1) << 20) / z.partial);
  const int t = std::max(threads, 1);
  const int k = std::max(t, (int)std::min<size_t>(16, cap)) / t * t;
  return std::max(1, std::min(s.n, k));
}

// sum[i] += part[i] for i < n.
void add_floats(const float* part, size_t n, float* sum) {
  for (size_t i = 0; i < n; ++i) sum[i] += part[i];
}

// Runs body(t, team) on min(threads, images) threads: one parallel region, or none for one.
template <typename Body>
void run_threads(int images, Body body) {
  const int nt = std::max(1, std::min(num_threads(), images));
  if (nt == 1) return body(0, 1);
#pragma omp parallel num_threads(nt)
  body(thread_id(), team_size());
}

}  // namespace

bool direct_supported(const Conv2dShape& s) {
  return s.sh == s.sw && (s.sh == 1 || s.sh == 2) && s.kh <= 11 && s.kw <= 11 && s.oc <= 256 && s.oh > 0 && s.ow > 0;
}

bool direct_backward_data_supported(const Conv2dShape& s) {
  return direct_supported(s) && s.c <= 256 && phases_supported(s.sh, s.kh, s.ph, s.h) &&
         phases_supported(s.sw, s.kw, s.pw, s.w);
}

size_t conv2d_direct_workspace_floats(const Conv2dShape& s, int threads) {
  if (!direct_supported(s)) return 0;
  DirectSizes z = sizes_of(s);
  return z.shared + (size_t)std::max(threads, 1) * z.per_thread + (size_t)weight_chunks(s, z, threads) * z.partial;
}

void conv2d_direct_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                           float* workspace, bool relu) {
  const DirectSizes z = sizes_of(s);
  const DirectGeom g = forward_geom(s);
  const ConvDirectKernels& k = kernels();
  float* wt = workspace;  // (CKK, ocp)
  float* bias = wt + round16(z.ckk * z.ocp);
  std::memset(wt, 0, sizeof(float) * z.ckk * z.ocp);
  k.transpose_planes(w, s.oc, z.ckk, wt, z.ocp);  // wt[q][o] = w[o][q]
  for (size_t o = 0; o < z.ocp; ++o) bias[o] = b && o < (size_t)s.oc ? b[o] : 0.0f;
  const size_t x_image = (size_t)s.c * s.h * s.w, y_image = (size_t)s.oc * z.p;
  std::atomic<int> next{0};
  run_threads(s.n, [&](int t, int) {
    float* xpad = workspace + z.shared + t * z.per_thread;
    std::memset(xpad, 0, sizeof(float) * z.xpad);
    for (int i; (i = next.fetch_add(1, std::memory_order_relaxed)) < s.n;) {
      pad_planes_into(x + i * x_image, s.c, s.h, s.w, s.ph, s.pw, xpad);
      k.forward_image(g, xpad, wt, bias, y + i * y_image, false);
      if (relu) relu_in_place(y + i * y_image, y_image);
    }
  });
}
namespace {

// The bf16 forward tiles of the fastest unit this CPU runs.
DirectPairForwardFn pair_kernels() {
  return gemm_bf16_vector_packing() ? conv_direct_forward_pairs_avx512bf16() : kernels().forward_image_pairs;
}

// Two values rounded to bf16 (to nearest, ties to even) in one element, the first in the low half.
uint32_t pair_of(float even, float odd) { return (uint32_t)float_to_bf16(even) | (uint32_t)float_to_bf16(odd) << 16; }

// Planes (C, H, W) of T, each row `row` values apart, as ceil(C/2) zero-bordered planes of
// channel pairs (H + 2ph, W + 2pw) into `out`, each row by pair_row(even, odd, w, dst) (odd
// null for an odd C's last channel, whose pairs' odd half is zero); the borders are left as
// they are (zero from the thread's first clear).
template <typename T, typename PairRow>
void pad_pairs_with(const T* x, int c, int h, int w, size_t row, int ph, int pw, uint32_t* out, PairRow pair_row) {
  const size_t wp = (size_t)w + 2 * pw, plane = ((size_t)h + 2 * ph) * wp, in_plane = (size_t)h * row;
  for (int c2 = 0; c2 < (c + 1) / 2; ++c2)
    for (int r = 0; r < h; ++r) {
      const T* even = x + 2 * c2 * in_plane + (size_t)r * row;
      pair_row(even, 2 * c2 + 1 < c ? even + in_plane : nullptr, w, out + c2 * plane + (r + ph) * wp + pw);
    }
}

// Float planes, rounded to bf16 in pairs by the unit's pair_up.
void pad_pair_planes_into(const float* x, int c, int h, int w, int ph, int pw, PairUpFn pair_up, uint32_t* out) {
  pad_pairs_with(x, c, h, w, (size_t)w, ph, pw, out, [&](const float* even, const float* odd, int n, uint32_t* dst) {
    if (odd) return pair_up(even, odd, n, dst);
    for (int k = 0; k < n; ++k) dst[k] = pair_of(even[k], 0.0f);
  });
}

// Planes already rounded to bf16, in rows `row` values apart: the same bits as
// pad_pair_planes_into gives their float values, since pair_up rounds as they were rounded.
void pad_pair_planes_from_bf16(const uint16_t* x, int c, int h, int w, size_t row, int ph, int pw, uint32_t* out) {
  pad_pairs_with(x, c, h, w, row, ph, pw, out, [](const uint16_t* even, const uint16_t* odd, int n, uint32_t* dst) {
    if (!odd)
      for (int k = 0; k < n; ++k) dst[k] = even[k];
    else
      for (int k = 0; k < n; ++k) dst[k] = (uint32_t)even[k] | (uint32_t)odd[k] << 16;
  });
}

PairUpFn pair_up_in_use() {
  return gemm_bf16_vector_packing() ? implicit_pair_up_avx512bf16() : implicit_pair_up_portable();
}

constexpr int kMaxTaps = 11 * 11;  // direct_supported's largest kernel

// Filters as pairs of input channels, ((c2, i, j), ocp) with w[o][c][i][j] at c = 2*c2 (low
// half) and 2*c2 + 1 (high); the padding lanes and a missing odd channel are zero. Each
// filter's two channel rows are paired by the unit's vector conversion (the rounding the
// data's pairs get), then spread over the output's rows.
void forward_filter_pairs(const Conv2dShape& s, const float* w, size_t ocp, PairUpFn pair_up, uint32_t* out) {
  const int taps = s.kh * s.kw;
  const int c2n = (s.c + 1) / 2;
  const float zeros[kMaxTaps] = {};
  uint32_t pairs[kMaxTaps];
  std::memset(out, 0, sizeof(uint32_t) * c2n * taps * ocp);
  for (int o = 0; o < s.oc; ++o)
    for (int c2 = 0; c2 < c2n; ++c2) {
      const float* even = w + ((size_t)o * s.c + 2 * c2) * taps;
      pair_up(even, 2 * c2 + 1 < s.c ? even + taps : zeros, taps, pairs);
      for (int t = 0; t < taps; ++t) out[((size_t)c2 * taps + t) * ocp + o] = pairs[t];
    }
}

// A geometry's channels counted in pairs.
DirectGeom in_pairs(DirectGeom g) {
  g.c = (g.c + 1) / 2;
  return g;
}

}  // namespace

void conv2d_direct_forward_bf16(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                                float* workspace, bool relu) {
  const DirectSizes z = sizes_of(s);
  const DirectGeom g = in_pairs(forward_geom(s));
  const DirectPairForwardFn forward_image = pair_kernels();
  const PairUpFn pair_up = pair_up_in_use();
  uint32_t* wt = reinterpret_cast<uint32_t*>(workspace);  // ((C+1)/2 * KH * KW, ocp) pairs
  float* bias = workspace + round16(z.ckk * z.ocp);
  forward_filter_pairs(s, w, z.ocp, pair_up, wt);
  for (size_t o = 0; o < z.ocp; ++o) bias[o] = b && o < (size_t)s.oc ? b[o] : 0.0f;
  const size_t x_image = (size_t)s.c * s.h * s.w, y_image = (size_t)s.oc * z.p;
  std::atomic<int> next{0};
  run_threads(s.n, [&](int t, int) {
    uint32_t* xpad = reinterpret_cast<uint32_t*>(workspace + z.shared + t * z.per_thread);
    std::memset(xpad, 0, sizeof(float) * z.xpad);
    for (int i; (i = next.fetch_add(1, std::memory_order_relaxed)) < s.n;) {
      pad_pair_planes_into(x + i * x_image, s.c, s.h, s.w, s.ph, s.pw, pair_up, xpad);
      forward_image(g, xpad, wt, bias, y + i * y_image, false);
      if (relu) relu_in_place(y + i * y_image, y_image);
    }
  });
}

namespace {

// One output phase of backward-data (conv2d_direct_data_phases.h): its rows and columns of
// dx, its convolution's geometry, where its window starts in the bordered dy planes and
// where its filters are.
struct DataPhase {
  int a, b;  // dx rows a, a + S, ... and columns b, b + S, ...
  PhaseAxis rows, cols;
  DirectGeom g;   // dy's planes (in pairs, for bf16) to dx's phase planes, stride 1
  size_t window;  // the window's first element in the bordered planes
  const float* filters;
};

// Phase (a, b)'s filter taps of w[o][c], flipped as the forward tiles want them:
// out[m * N + n] = w[o][c][S*(M-1-m) + r][S*(N-1-n) + r'] (M, N, r, r' the phase's).
void phase_taps(const Conv2dShape& s, const PhaseAxis& rows, const PhaseAxis& cols, const float* filter, float* out) {
  for (int m = 0; m < rows.taps; ++m)
    for (int n = 0; n < cols.taps; ++n) {
      const int i = s.sh * (rows.taps - 1 - m) + rows.first_tap, j = s.sw * (cols.taps - 1 - n) + cols.first_tap;
      out[m * cols.taps + n] = filter[i * s.kw + j];
    }
}

// One phase's filters into `out`, transposed in channels: rows ((o, m, n), cp) of floats,
// or, in bf16, rows ((o2, m, n), cp) of pairs of output channels o = 2*o2 (low half) and
// 2*o2 + 1, paired by the unit's vector conversion (the rounding dy's pairs get). Returns
// the floats written.
size_t phase_filters_into(const Conv2dShape& s, const PhaseAxis& rows, const PhaseAxis& cols, const float* w, size_t cp,
                          bool bf16, PairUpFn pair_up, float* out) {
  const int taps = rows.taps * cols.taps, kk = s.kh * s.kw;
  const int groups = bf16 ? (s.oc + 1) / 2 : s.oc;
  const size_t floats = (size_t)groups * taps * cp;
  std::memset(out, 0, sizeof(float) * floats);
  float even[kMaxTaps], odd[kMaxTaps];
  uint32_t pairs[kMaxTaps];
  for (int g = 0; g < groups; ++g)
    for (int c = 0; c < s.c; ++c) {
      const int o = bf16 ? 2 * g : g;
      phase_taps(s, rows, cols, w + ((size_t)o * s.c + c) * kk, even);
      float* row = out + (size_t)g * taps * cp + c;
      if (!bf16) {
        for (int t = 0; t < taps; ++t) row[t * cp] = even[t];
        continue;
      }
      if (o + 1 < s.oc)
        phase_taps(s, rows, cols, w + ((size_t)(o + 1) * s.c + c) * kk, odd);
      else  // an odd OC's last channel: the high halves are zero
        std::fill(odd, odd + taps, 0.0f);
      pair_up(even, odd, taps, pairs);
      for (int t = 0; t < taps; ++t) reinterpret_cast<uint32_t*>(row)[t * cp] = pairs[t];
    }
  return floats;
}

// cp zeros after backward-data's filters (room for all of them: every filter tap belongs to
// one phase): the bias the forward tiles add.
float* data_zeros(const Conv2dShape& s, const DirectSizes& z, float* workspace) {
  return workspace + round16((size_t)s.kh * s.kw * s.oc * z.cp);
}

// Backward-data's phases (one at stride 1, four at stride 2, less any with no rows or
// columns of dx) with their filters at the start of the workspace, one phase's after
// another's, and the zeros after them. Returns the phases' count.
int data_phases_into(const Conv2dShape& s, const DirectSizes& z, const float* w, bool bf16, float* workspace,
                     DataPhase* phases) {
  const DataPlanes d = data_planes(s);
  const PairUpFn pair_up = pair_up_in_use();
  float* filters = workspace;
  int count = 0;
  for (int a = 0; a < s.sh; ++a)
    for (int b = 0; b < s.sw; ++b) {
      DataPhase& p = phases[count];
      p.a = a;
      p.b = b;
      p.rows = phase_axis(a, s.sh, s.kh, s.ph, s.h);
      p.cols = phase_axis(b, s.sw, s.kw, s.pw, s.w);
      if (p.rows.count == 0 || p.cols.count == 0) continue;  // a 1-pixel input's second phase
      p.g = DirectGeom{bf16 ? (s.oc + 1) / 2 : s.oc,
                       p.rows.taps,
                       p.cols.taps,
                       1,
                       1,
                       d.hp,
                       d.wp,
                       p.rows.top,
                       s.oh,
                       p.rows.count,
                       p.cols.count,
                       s.c,
                       (int)z.cp};
      p.window = (size_t)(d.border_h - p.rows.top) * d.wp + (d.border_w - p.cols.top);
      p.filters = filters;
      filters += phase_filters_into(s, p.rows, p.cols, w, z.cp, bf16, pair_up, filters);
      ++count;
    }
  std::memset(data_zeros(s, z, workspace), 0, sizeof(float) * z.cp);
  return count;
}

// The row length of dy's planes rounded to bf16: OW rounded up to even, so each row is
// whole pairs of output positions.
size_t bf16_dy_row(const Conv2dShape& s) { return (size_t)s.ow + s.ow % 2; }

// dx_i's rows a, a + S, ... and columns b, b + S, ... (=|+=) phase p's output (C, rows, cols).
void interleave_phase(const Conv2dShape& s, const DataPhase& p, const float* out, float* dxi, bool accumulate) {
  for (int c = 0; c < s.c; ++c)
    for (int u = 0; u < p.rows.count; ++u) {
      const float* src = out + ((size_t)c * p.rows.count + u) * p.cols.count;
      float* dst = dxi + ((size_t)c * s.h + (size_t)s.sh * u + p.a) * s.w + p.b;
      if (accumulate)
        for (int v = 0; v < p.cols.count; ++v) dst[(size_t)s.sw * v] += src[v];
      else
        for (int v = 0; v < p.cols.count; ++v) dst[(size_t)s.sw * v] = src[v];
    }
}

// One image's backward-data: dy_i bordered with zeros into the thread's dypad (data_planes;
// the borders stay zero), then each phase's forward convolution of its window, straight into
// dx_i at stride 1, else into the thread's phase buffer (after the planes) and interleaved.
class DataImage {
 public:
  // Writes the filters into the workspace's shared region.
  DataImage(const Conv2dShape& s, bool bf16, const float* w, float* workspace)
      : s_(s),
        bf16_(bf16),
        d_(data_planes(s)),
        z_(sizes_of(s)),
        k_(kernels()),
        pair_forward_(pair_kernels()),
        pair_up_(pair_up_in_use()),
        phase_count_(data_phases_into(s, z_, w, bf16, workspace, phases_)),
        zeros_(data_zeros(s, z_, workspace)) {}

  // bf16, dy_i given as its rounded planes (bf16_dy_into's).
  void from_rounded(const uint16_t* rounded, float* dypad, float* dxi, bool accumulate) const {
    uint32_t* pairs = reinterpret_cast<uint32_t*>(dypad);
    pad_pair_planes_from_bf16(rounded, s_.oc, s_.oh, s_.ow, bf16_dy_row(s_), d_.border_h, d_.border_w, pairs);
    run_phases(dypad, dxi, accumulate);
  }

  void operator()(const float* dyi, float* dypad, float* dxi, bool accumulate) const {
    if (bf16_)
      pad_pair_planes_into(dyi, s_.oc, s_.oh, s_.ow, d_.border_h, d_.border_w, pair_up_,
                           reinterpret_cast<uint32_t*>(dypad));
    else
      pad_planes_into(dyi, s_.oc, s_.oh, s_.ow, d_.border_h, d_.border_w, dypad);
    run_phases(dypad, dxi, accumulate);
  }

 private:
  void run_phases(float* dypad, float* dxi, bool accumulate) const {
    float* phase_out = dypad + round16((size_t)s_.oc * d_.hp * d_.wp + kDirectPlaneSlack);
    for (int k = 0; k < phase_count_; ++k) {
      const DataPhase& p = phases_[k];
      const bool direct_into_dx = s_.sh == 1;  // the one phase is dx itself
      float* out = direct_into_dx ? dxi : phase_out;
      const bool acc = direct_into_dx && accumulate;
      if (bf16_)
        pair_forward_(p.g, reinterpret_cast<const uint32_t*>(dypad) + p.window,
                      reinterpret_cast<const uint32_t*>(p.filters), zeros_, out, acc);
      else
        k_.forward_image(p.g, dypad + p.window, p.filters, zeros_, out, acc);
      if (!direct_into_dx) interleave_phase(s_, p, phase_out, dxi, accumulate);
    }
  }

  const Conv2dShape& s_;
  bool bf16_;
  DataPlanes d_;
  DirectSizes z_;
  const ConvDirectKernels& k_;
  DirectPairForwardFn pair_forward_;
  PairUpFn pair_up_;
  DataPhase phases_[4];
  int phase_count_;
  const float* zeros_;
};

void direct_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                          float* workspace, bool bf16) {
  const DirectSizes z = sizes_of(s);
  const DataImage data_image(s, bf16, w, workspace);
  const size_t x_image = (size_t)s.c * s.h * s.w, y_image = (size_t)s.oc * z.p;
  std::atomic<int> next{0};
  run_threads(s.n, [&](int t, int) {
    float* dypad = workspace + z.shared + t * z.per_thread;
    std::memset(dypad, 0, sizeof(float) * z.dypad);
    for (int i; (i = next.fetch_add(1, std::memory_order_relaxed)) < s.n;)
      data_image(dy + i * y_image, dypad, dx + i * x_image, accumulate);
  });
}

// Image planes (C, H, W) rounded to bf16 into the zero-bordered planes of g (rows of
// direct_pair_row(g) values; at stride 2 each padded row's even columns, then its odd ones);
// the borders are left as they are.
void pad_bf16_planes_into(const Conv2dShape& s, const DirectGeom& g, const float* x, RoundBf16Fn round,
                          RoundSplitBf16Fn round_split, uint16_t* out) {
  const size_t wp = direct_pair_row(g), plane = (size_t)g.hp * wp, half = wp / 2;
  for (int ch = 0; ch < s.c; ++ch)
    for (int r = 0; r < s.h; ++r) {
      const float* src = x + ((size_t)ch * s.h + r) * s.w;
      uint16_t* dst = out + ch * plane + (r + s.ph) * wp;
      if (g.sw == 1) {
        round(src, (size_t)s.w, dst + s.pw);
      } else {  // column x sits at padded column x + PW: in the even half when that is even
        const int pw = s.pw;
        uint16_t* even_x = pw % 2 == 0 ? dst + pw / 2 : dst + half + (pw - 1) / 2;
        uint16_t* odd_x = pw % 2 == 0 ? dst + half + pw / 2 : dst + (pw + 1) / 2;
        round_split(src, (size_t)s.w, even_x, odd_x);
      }
    }
}

// The thread's buffers for backward-weights (xpad, dy's re-layouts), backward-data (dypad)
// and the masked dy of the fused backward, carved from its region of z.per_thread floats.
struct ThreadBuffers {
  float* xpad;    // the padded image, or in bf16 its values rounded (uint16_t)
  float* dy;      // dy transposed or in padded rows; in bf16 its planes rounded
  float* dy2;     // bf16: dy in position pairs (uint32_t)
  float* dypad;   // backward-data's padded dy
  float* masked;  // fp32, the fused backward's dy after the ReLU's mask (bf16 keeps it rounded in dy)
};

ThreadBuffers thread_buffers(const DirectSizes& z, float* region) {
  ThreadBuffers b;
  b.xpad = region;
  b.dy = b.xpad + z.xpad;
  b.dy2 = b.dy + z.dy;
  b.dypad = z.one_pass ? b.dy2 + z.dy_pairs : region;  // else only backward-data uses it
  b.masked = z.one_pass ? b.dypad + z.dypad : nullptr;
  return b;
}

MaskedDyBf16Fn masked_dy_in_use() {
  return gemm_bf16_vector_packing() ? conv_direct_masked_dy_bf16_avx512bf16() : conv_direct_masked_dy_bf16_portable();
}

// One image's dy for a bf16 backward, in one pass over each plane: masked by the fused
// ReLU's output relu_yi (when not null), its planes' sums added to dbT (the bias gradient),
// and rounded to bf16 into `rounded` (OC, OH, bf16_dy_row), an odd row's last value a zero.
void bf16_dy_into(const Conv2dShape& s, MaskedDyBf16Fn masked_dy, const float* dyi, const float* relu_yi, float* dbT,
                  uint16_t* rounded) {
  const size_t p = (size_t)s.oh * s.ow, row = bf16_dy_row(s), plane = (size_t)s.oh * row;
  for (int o = 0; o < s.oc; ++o) {
    uint16_t* out = rounded + o * plane;
    dbT[o] += masked_dy(dyi + o * p, relu_yi ? relu_yi + o * p : nullptr, p, out);
    if (row != (size_t)s.ow)  // spread the rows apart, last first, each followed by its zero
      for (int r = s.oh - 1; r >= 0; --r) {
        std::memmove(out + r * row, out + (size_t)r * s.ow, sizeof(uint16_t) * s.ow);
        out[r * row + s.ow] = 0;
      }
  }
}

// One image's backward-weights: dwT (CKK, ocp) += the filter gradient of x_i and dy_i, in the
// thread's buffers. fp32: the image padded, dy transposed (or in padded rows, for the
// column-vectorised tiles). bf16 (3x3, stride 1 or 2): the image rounded, dy (bf16_dy_into's
// planes, in the thread's b.dy) in pairs of output positions.
class WeightsImage {
 public:
  explicit WeightsImage(const Conv2dShape& s)
      : s_(s),
        z_(sizes_of(s)),
        g_(forward_geom(s)),
        k_(kernels()),
        by_columns_(k_.weights_by_columns(g_)),
        pair_weights_(gemm_bf16_vector_packing() ? conv_direct_weights_pairs_avx512bf16() : k_.weights_image_pairs),
        round_(gemm_bf16_vector_packing() ? implicit_round_bf16_avx512bf16() : implicit_round_bf16_portable()),
        round_split_(gemm_bf16_vector_packing() ? implicit_round_split_bf16_avx512bf16()
                                                : implicit_round_split_bf16_portable()) {}

  // fp32.
  void operator()(const ThreadBuffers& b, const float* xi, const float* dyi, float* dwT) const {
    pad_planes_into(xi, s_.c, s_.h, s_.w, s_.ph, s_.pw, b.xpad);
    const size_t owp = direct_dy_row(s_.ow);
    if (by_columns_)
      for (int o = 0; o < s_.oc; ++o)
        for (int oy = 0; oy < s_.oh; ++oy)
          std::memcpy(b.dy + ((size_t)o * s_.oh + oy) * owp, dyi + o * z_.p + (size_t)oy * s_.ow,
                      sizeof(float) * s_.ow);
    else
      k_.transpose_planes(dyi, s_.oc, z_.p, b.dy, z_.ocp);
    k_.backward_weights_image(g_, b.xpad, b.dy, dwT);
  }

  // bf16, with dy_i's rounded planes in b.dy.
  void from_rounded(const ThreadBuffers& b, const float* xi, float* dwT) const {
    uint16_t* xbf = reinterpret_cast<uint16_t*>(b.xpad);
    pad_bf16_planes_into(s_, g_, xi, round_, round_split_, xbf);
    // The rounded rows of even length are dy's position pairs already, two bf16 values per
    // 32-bit element: moving those elements (the transpose only copies bits) gives dyT2, the
    // pairs of each channel side by side.
    k_.transpose_planes(b.dy, s_.oc, s_.oh * bf16_dy_row(s_) / 2, b.dy2, z_.ocp);
    pair_weights_(g_, xbf, reinterpret_cast<const uint32_t*>(b.dy2), dwT);
  }

 private:
  const Conv2dShape& s_;
  DirectSizes z_;
  DirectGeom g_;
  const ConvDirectKernels& k_;
  bool by_columns_;
  DirectPairWeightsFn pair_weights_;
  RoundBf16Fn round_;
  RoundSplitBf16Fn round_split_;
};

// dbT[o] += the sum of dy_i's plane o.
void add_bias_gradient(const float* dyi, int oc, size_t p, float* dbT) {
  for (int o = 0; o < oc; ++o) dbT[o] += sum_floats(dyi + o * p, p);
}

// Backward-weights' frame, both precisions: images in fixed chunks, each chunk summed into
// its own partial dwT (CKK, ocp) and dbT (ocp) by add_image(buffers, i, dwT, dbT), buffers
// the thread's (zero at the start); then the partials added in chunk order into dw and db.
template <typename AddImage>
void backward_weights_in_chunks(const Conv2dShape& s, const DirectSizes& z, float* dw, float* db, float* workspace,
                                AddImage add_image) {
  const int chunks = weight_chunks(s, z, num_threads());
  float* partials = workspace + z.shared + (size_t)std::max(num_threads(), 1) * z.per_thread;
  auto partial_dw = [&](int c) { return partials + c * z.partial; };
  std::atomic<int> next{0};
  run_threads(s.n, [&](int t, int team) {
    float* region = workspace + z.shared + t * z.per_thread;
    std::memset(region, 0, sizeof(float) * z.per_thread);  // borders and idle lanes
    const ThreadBuffers buffers = thread_buffers(z, region);
    for (int c; (c = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      float* dwT = partial_dw(c);
      float* dbT = dwT + z.ckk * z.ocp;
      std::memset(dwT, 0, sizeof(float) * z.partial);
      const int begin = (int)((long long)s.n * c / chunks), end = (int)((long long)s.n * (c + 1) / chunks);
      for (int i = begin; i < end; ++i) add_image(buffers, i, dwT, dbT);
    }
    if (team > 1) {
#pragma omp barrier
    }
    // Fixed-order reduction, each thread over its own slice of the partials' rows (a tap q's
    // ocp channels, contiguous, then db's row): dw[o][q] += ((partial_0 + partial_1) + ...)[q][o],
    // partials in chunk order, so the sums vectorise along o.
    const size_t rows = z.ckk + (db ? 1 : 0);
    const size_t q0 = rows * t / team, q1 = rows * (t + 1) / team;
    float* sum = buffers.dy;  // free now; it holds at least ocp floats
    for (size_t q = q0; q < q1; ++q) {
      const size_t at = q * z.ocp;  // db's row is the one after the last tap's
      std::memcpy(sum, partial_dw(0) + at, sizeof(float) * s.oc);
      for (int u = 1; u < chunks; ++u) add_floats(partial_dw(u) + at, (size_t)s.oc, sum);
      if (q < z.ckk)
        for (int o = 0; o < s.oc; ++o) dw[(size_t)o * z.ckk + q] += sum[o];
      else
        for (int o = 0; o < s.oc; ++o) db[o] += sum[o];
    }
  });
}

void direct_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* db,
                             float* workspace, bool bf16) {
  const DirectSizes z = sizes_of(s);
  const WeightsImage weights_image(s);
  const size_t x_image = (size_t)s.c * s.h * s.w, y_image = (size_t)s.oc * z.p;
  const MaskedDyBf16Fn masked_dy = masked_dy_in_use();
  backward_weights_in_chunks(s, z, dw, db, workspace, [&](const ThreadBuffers& b, int i, float* dwT, float* dbT) {
    const float* dyi = dy + i * y_image;
    if (bf16) {
      bf16_dy_into(s, masked_dy, dyi, nullptr, dbT, reinterpret_cast<uint16_t*>(b.dy));
      return weights_image.from_rounded(b, x + i * x_image, dwT);
    }
    add_bias_gradient(dyi, s.oc, z.p, dbT);
    weights_image(b, x + i * x_image, dyi, dwT);
  });
}

}  // namespace

void conv2d_direct_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                                 float* workspace) {
  direct_backward_data(s, dy, w, dx, accumulate, workspace, false);
}

void conv2d_direct_backward_data_bf16(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                                      float* workspace) {
  direct_backward_data(s, dy, w, dx, accumulate, workspace, true);
}

void conv2d_direct_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* db,
                                    float* workspace) {
  direct_backward_weights(s, x, dy, dw, db, workspace, false);
}

bool direct_bf16_backward_weights_supported(const Conv2dShape& s) {
  return direct_supported(s) && s.kh == 3 && s.kw == 3;  // stride 1 or 2
}

void conv2d_direct_backward_weights_bf16(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* db,
                                         float* workspace) {
  direct_backward_weights(s, x, dy, dw, db, workspace, true);
}

bool direct_backward_in_one_pass(const Conv2dShape& s) { return direct_supported(s) && sizes_of(s).one_pass; }

void conv2d_direct_backward(const Conv2dShape& s, bool bf16, const float* x, const float* dy, const float* relu_y,
                            const float* w, float* dw, float* db, float* dx, bool accumulate, float* workspace) {
  const DirectSizes z = sizes_of(s);
  const DataImage data_image(s, bf16, w, workspace);
  const WeightsImage weights_image(s);
  const size_t x_image = (size_t)s.c * s.h * s.w, y_image = (size_t)s.oc * z.p;
  const MaskedDyBf16Fn masked_dy = masked_dy_in_use();
  backward_weights_in_chunks(s, z, dw, db, workspace, [&](const ThreadBuffers& b, int i, float* dwT, float* dbT) {
    const float* dyi = dy + i * y_image;
    if (bf16) {  // dy masked, summed and rounded in one pass; both ops read the rounded planes
      uint16_t* rounded = reinterpret_cast<uint16_t*>(b.dy);
      bf16_dy_into(s, masked_dy, dyi, relu_y ? relu_y + i * y_image : nullptr, dbT, rounded);
      weights_image.from_rounded(b, x + i * x_image, dwT);
      if (dx) data_image.from_rounded(rounded, b.dypad, dx + i * x_image, accumulate);
      return;
    }
    if (relu_y) {
      activation_backward(Activation::Relu, y_image, relu_y + i * y_image, dyi, b.masked, false);
      dyi = b.masked;
    }
    add_bias_gradient(dyi, s.oc, z.p, dbT);
    weights_image(b, x + i * x_image, dyi, dwT);
    if (dx) data_image(dyi, b.dypad, dx + i * x_image, accumulate);
  });
}

}  // namespace cnn
