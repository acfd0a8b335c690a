// 2-D convolution as im2col + GEMM (darknet's approach): each image's receptive fields are
// unrolled into a column matrix col (C*KH*KW, OH*OW) so that the convolution becomes one
// matrix product with the filters W (OC, C*KH*KW). Images with small output planes are
// grouped: their column matrices side by side make one wider GEMM (conv2d_group.h).
// The entry points below first hand a convolution to the direct kernels (conv2d_direct.h)
// or to the implicit GEMM, which writes the column matrix straight into the GEMM's packed
// panels (conv2d_implicit.h), as the caller's ConvAlgorithms say (conv2d_algorithm.h has the
// rule); im2col + GEMM covers every shape. bf16 backward-weights may run the implicit
// product inside this file's loop over images (it sums into dw transposed).
// Work is parallel over the batch: every thread owns whole images and a private slice of
// the workspace, calling the serial GEMM on its groups; no synchronisation but the final
// fixed-order reduction of backward-weights' per-thread partial sums. (Rather than one
// batch-wide GEMM split inside sgemm: per-thread groups need no barrier between im2col and
// GEMM and keep each thread's buffers in its own cache, and the serial GEMM already runs
// near its best from about 1024 columns.) When the batch is smaller than the team, images
// run one after another and the GEMM is the parallel one instead, so a single image still
// uses every core.
// Dimension names as in conv2d.h; CKK = C*KH*KW (rows of col), P = OH*OW (its columns).
#include "kernels/conv2d.h"
#include "kernels/activation.h"
#include "kernels/conv2d_algorithm.h"
#include "kernels/conv2d_direct.h"
#include "kernels/conv2d_group.h"
#include "kernels/conv2d_implicit.h"
#include "kernels/precision.h"
#include "kernels/sum_floats.h"
#include "kernels/threads.h"
#include <algorithm>
#include <cstring>

namespace cnn {

namespace {

struct ConvSizes {
  size_t x_image, y_image;  // floats per image of x and y
  int ckk, p;               // col is (ckk, p)
  size_t col;               // floats of one column buffer
  size_t dw;                // floats of dw
};

ConvSizes sizes_of(const Conv2dShape& s) {
  ConvSizes z;
  z.x_image = (size_t)s.c * s.h * s.w;
  z.y_image = (size_t)s.oc * s.oh * s.ow;
  z.ckk = s.c * s.kh * s.kw;
  z.p = s.oh * s.ow;
  z.col = (size_t)z.ckk * z.p;
  z.dw = (size_t)s.oc * z.ckk;
  return z;
}

// First and one-past-last image of thread t when n images are split over `team` threads:
// a fixed split, so which thread sums which image never varies (deterministic results).
void image_range(int n, int t, int team, int* begin, int* end) {
  *begin = (int)((long long)n * t / team);
  *end = (int)((long long)n * (t + 1) / team);
}

// Output positions o in [0, out) whose input o*stride - pad + k lies in [0, in): [*lo, *hi).
void valid_range(int out, int in, int stride, int pad, int k, int* lo, int* hi) {
  int off = k - pad;  // input index of output 0
  int l = off >= 0 ? 0 : (-off + stride - 1) / stride;
  int h = off >= in ? 0 : (in - 1 - off) / stride + 1;
  *lo = std::min(l, out);
  *hi = std::max(std::min(h, out), *lo);
}

// Stride 1 with OW == W (a "same" convolution, the common case): row (c, i, j) of col is
// then the input plane shifted by delta = (i - PH) * W + (j - PW), so its valid output rows
// form one block copied (or added back) in a single pass, instead of one short run per
// output row; only the columns that fall into the left or right padding need fixing up.
bool is_shifted_plane(const Conv2dShape& s) { return s.sh == 1 && s.sw == 1 && s.ow == s.w; }

// Where one col row (c, i, j) of a shifted-plane convolution comes from: the output rows
// [oy_lo, oy_hi) and columns [ow_lo, ow_hi) that see the input, the flat output positions
// [q_lo, q_hi) of those rows whose source q + delta lies inside the plane (every valid
// position and the padding columns in between, which wrap onto neighbouring input rows).
struct PlaneShift {
  int oy_lo, oy_hi, ow_lo, ow_hi;
  long long delta, q_lo, q_hi;
};
PlaneShift plane_shift(const Conv2dShape& s, int i, int j) {
  PlaneShift r;
  valid_range(s.oh, s.h, 1, s.ph, i, &r.oy_lo, &r.oy_hi);
  valid_range(s.ow, s.w, 1, s.pw, j, &r.ow_lo, &r.ow_hi);
  r.delta = (long long)(i - s.ph) * s.w + (j - s.pw);
  long long plane = (long long)s.h * s.w;
  long long first = (long long)r.oy_lo * s.ow, last = (long long)r.oy_hi * s.ow;  // the valid rows
  r.q_lo = std::min(std::max(first, -r.delta), last);
  r.q_hi = std::max(r.q_lo, std::min(last, plane - r.delta));
  return r;
}

// Zeroes the padding columns of output rows [oy_lo, oy_hi) of one col row.
void zero_padding_columns(const Conv2dShape& s, const PlaneShift& r, float* row) {
  if (r.ow_lo == 0 && r.ow_hi == s.ow) return;
  for (int oy = r.oy_lo; oy < r.oy_hi; ++oy) {
    float* out = row + (size_t)oy * s.ow;
    for (int ox = 0; ox < r.ow_lo; ++ox) out[ox] = 0.0f;
    for (int ox = r.ow_hi; ox < s.ow; ++ox) out[ox] = 0.0f;
  }
}

// One col row (OH*OW) of a shifted-plane convolution from its input plane (H, W).
void im2col_shifted_row(const Conv2dShape& s, const PlaneShift& r, const float* plane, float* row) {
  size_t total = (size_t)s.oh * s.ow;
  std::memset(row, 0, sizeof(float) * (size_t)r.q_lo);
  std::memcpy(row + r.q_lo, plane + (r.q_lo + r.delta), sizeof(float) * (size_t)(r.q_hi - r.q_lo));
  std::memset(row + r.q_hi, 0, sizeof(float) * (total - (size_t)r.q_hi));
  zero_padding_columns(s, r, row);
}

// The input plane (H, W) += one col row of a shifted-plane convolution. The row's padding
// columns are zeroed first (col is scratch), so the one-pass add leaves the positions they
// wrap onto unchanged.
void col2im_shifted_row(const Conv2dShape& s, const PlaneShift& r, float* row, float* plane) {
  zero_padding_columns(s, r, row);
  for (long long q = r.q_lo; q < r.q_hi; ++q) plane[q + r.delta] += row[q];
}

// col (CKK, P) = the receptive fields of one image, zero where they fall in the padding;
// col's rows are ldc floats apart (ldc >= P: one image's block of a group's column matrix).
void im2col(const Conv2dShape& s,
            const float* x,  // (C, H, W)
            float* col,      // (C*KH*KW, OH*OW), row stride ldc
            size_t ldc) {
  const size_t plane = (size_t)s.h * s.w;
  if (is_shifted_plane(s)) {
    for (int i = 0; i < s.kh; ++i)
      for (int j = 0; j < s.kw; ++j) {
        PlaneShift r = plane_shift(s, i, j);
        for (int c = 0; c < s.c; ++c)
          im2col_shifted_row(s, r, x + c * plane, col + ((size_t)(c * s.kh + i) * s.kw + j) * ldc);
      }
    return;
  }
  for (int c = 0; c < s.c; ++c)
    for (int i = 0; i < s.kh; ++i)
      for (int j = 0; j < s.kw; ++j) {
        float* row = col + ((size_t)(c * s.kh + i) * s.kw + j) * ldc;
        int ow_lo, ow_hi;
        valid_range(s.ow, s.w, s.sw, s.pw, j, &ow_lo, &ow_hi);
        for (int oy = 0; oy < s.oh; ++oy) {
          float* out = row + (size_t)oy * s.ow;
          int iy = oy * s.sh - s.ph + i;
          if (iy < 0 || iy >= s.h) {
            std::memset(out, 0, sizeof(float) * s.ow);
            continue;
          }
          const float* in = x + ((size_t)c * s.h + iy) * s.w + (j - s.pw);  // in[ox*sw] is x[iy][ox*sw + j - pw]
          for (int ox = 0; ox < ow_lo; ++ox) out[ox] = 0.0f;
          if (s.sw == 1)
            for (int ox = ow_lo; ox < ow_hi; ++ox) out[ox] = in[ox];
          else
            for (int ox = ow_lo; ox < ow_hi; ++ox) out[ox] = in[(size_t)ox * s.sw];
          for (int ox = ow_hi; ox < s.ow; ++ox) out[ox] = 0.0f;
        }
      }
}

// x (C, H, W) += the columns of col scattered back to where im2col read them. col is
// scratch: the shifted-plane path zeroes its padding entries.
void col2im_add(const Conv2dShape& s,
                float* col,  // (C*KH*KW, OH*OW), row stride ldc
                size_t ldc,
                float* x) {  // (C, H, W)
  const size_t plane = (size_t)s.h * s.w;
  if (is_shifted_plane(s)) {  // (i, j) outermost: each x element still sums its terms in (i, j) order
    for (int i = 0; i < s.kh; ++i)
      for (int j = 0; j < s.kw; ++j) {
        PlaneShift r = plane_shift(s, i, j);
        for (int c = 0; c < s.c; ++c)
          col2im_shifted_row(s, r, col + ((size_t)(c * s.kh + i) * s.kw + j) * ldc, x + c * plane);
      }
    return;
  }
  for (int c = 0; c < s.c; ++c)
    for (int i = 0; i < s.kh; ++i)
      for (int j = 0; j < s.kw; ++j) {
        float* row = col + ((size_t)(c * s.kh + i) * s.kw + j) * ldc;
        int ow_lo, ow_hi;
        valid_range(s.ow, s.w, s.sw, s.pw, j, &ow_lo, &ow_hi);
        for (int oy = 0; oy < s.oh; ++oy) {
          int iy = oy * s.sh - s.ph + i;
          if (iy < 0 || iy >= s.h) continue;
          const float* in = row + (size_t)oy * s.ow;
          float* out = x + ((size_t)c * s.h + iy) * s.w + (j - s.pw);
          if (s.sw == 1)
            for (int ox = ow_lo; ox < ow_hi; ++ox) out[ox] += in[ox];
          else
            for (int ox = ow_lo; ox < ow_hi; ++ox) out[(size_t)ox * s.sw] += in[ox];
        }
      }
}

// Floats of one thread's group buffers: an (OC, G*P) matrix of outputs or output gradients
// in the group's layout and the column matrix (CKK, G*P), both with row stride
// conv_group_ld(G*P); the column matrix's space also holds the implicit backward-weights'
// scratch, which can be the larger (a strided 1x1 convolution), and that algorithm's
// dw transposed follows.
size_t round16(size_t n) { return (n + 15) / 16 * 16; }
size_t group_floats(const Conv2dShape& s, const ConvSizes& z) {
  const size_t ld = (size_t)conv_group_ld(conv_group_images(s) * z.p);
  const size_t implicit = conv2d_implicit_weights_scratch_floats(s);
  return ld * s.oc + round16(std::max(ld * z.ckk, implicit)) + (implicit ? round16(z.dw) : 0);
}

// One thread's group buffers.
struct GroupBuffers {
  float* rows;  // (OC, G*P)
  float* cols;  // (CKK, G*P), or the implicit backward-weights' scratch
  float* dw_t;  // (CKK, OC): the implicit backward-weights' sums
};
GroupBuffers group_buffers(const Conv2dShape& s, const ConvSizes& z, float* base) {
  const size_t ld = (size_t)conv_group_ld(conv_group_images(s) * z.p);
  float* cols = base + ld * s.oc;
  return GroupBuffers{base, cols, cols + round16(std::max(ld * z.ckk, conv2d_implicit_weights_scratch_floats(s)))};
}

// dst (cols, rows) <- src (rows, cols) transposed, in square blocks that stay in cache.
void transpose_into(const float* src, int rows, int cols, float* dst) {
  constexpr int kBlock = 32;
  for (int r0 = 0; r0 < rows; r0 += kBlock)
    for (int c0 = 0; c0 < cols; c0 += kBlock)
      for (int r = r0; r < std::min(rows, r0 + kBlock); ++r)
        for (int c = c0; c < std::min(cols, c0 + kBlock); ++c) dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
}

// rows (OC, count*P), row stride ld <- dy of images first.. first+count (each (OC, P)).
void gather_rows(const Conv2dShape& s, const ConvSizes& z, const float* dy, int count, float* rows, size_t ld) {
  for (int j = 0; j < count; ++j)
    for (int o = 0; o < s.oc; ++o)
      std::memcpy(rows + o * ld + (size_t)j * z.p, dy + j * z.y_image + (size_t)o * z.p, sizeof(float) * z.p);
}

// y (OC, P) for `count` images from x, starting at their first image: im2col of the group,
// one GEMM onto the bias in the group buffer (padded row stride, see group_ld), and the
// scatter into NCHW, a copy that costs 1/CKK of the product. A pointwise convolution reads
// x and writes y in place (its groups are single images).
void forward_group(const Conv2dShape& s, const ConvSizes& z, const float* x, const float* w, const float* b, float* y,
                   int count, GroupBuffers buf, GemmFn gemm, bool relu) {
  const bool pointwise = conv_is_pointwise(s);
  const int columns = count * z.p, ld = pointwise ? z.p : conv_group_ld(columns);
  const float* cols = x;  // a pointwise image is its own column matrix
  if (!pointwise) {
    for (int j = 0; j < count; ++j) im2col(s, x + j * z.x_image, buf.cols + (size_t)j * z.p, ld);
    cols = buf.cols;
  }
  float* out = pointwise ? y : buf.rows;
  if (b)
    for (int o = 0; o < s.oc; ++o) std::fill_n(out + (size_t)o * ld, columns, b[o]);
  gemm(false, false, s.oc, columns, z.ckk, 1.0f, w, z.ckk, cols, ld, b ? 1.0f : 0.0f, out, ld);
  if (!pointwise)
    for (int j = 0; j < count; ++j)
      for (int o = 0; o < s.oc; ++o)
        std::memcpy(y + j * z.y_image + (size_t)o * z.p, out + (size_t)o * ld + (size_t)j * z.p, sizeof(float) * z.p);
  if (relu)  // the group's outputs are still in cache
    for (int j = 0; j < count; ++j) relu_in_place(y + j * z.y_image, z.y_image);
}

// dx (=|+=) col2im(W^T dy) for `count` images, starting at their first image.
void backward_data_group(const Conv2dShape& s, const ConvSizes& z, const float* dy, const float* w, float* dx,
                         bool accumulate, int count, GroupBuffers buf, GemmFn gemm) {
  if (conv_is_pointwise(s)) {  // dx is itself the column matrix (groups are single images)
    for (int j = 0; j < count; ++j)
      gemm(true, false, z.ckk, z.p, s.oc, 1.0f, w, z.ckk, dy + j * z.y_image, z.p, accumulate ? 1.0f : 0.0f,
           dx + j * z.x_image, z.p);
    return;
  }
  const int columns = count * z.p, ld = conv_group_ld(columns);
  gather_rows(s, z, dy, count, buf.rows, ld);  // into the padded layout, even for one image
  gemm(true, false, z.ckk, columns, s.oc, 1.0f, w, z.ckk, buf.rows, ld, 0.0f, buf.cols, ld);
  for (int j = 0; j < count; ++j) {
    float* dxi = dx + j * z.x_image;
    if (!accumulate) std::memset(dxi, 0, sizeof(float) * z.x_image);
    col2im_add(s, buf.cols + (size_t)j * z.p, ld, dxi);
  }
}

// dw (OC, CKK) (=|+=) dy col^T and db (OC) (=|+=) sums of dy, over `count` images; with
// `implicit`, the product is the implicit algorithm's (bf16), which never writes col and
// sums into dw transposed (CKK, OC) instead.
void backward_weights_group(const Conv2dShape& s, const ConvSizes& z, const float* x, const float* dy, float* dw,
                            float* db, bool accumulate, int count, GroupBuffers buf, GemmFn gemm, bool implicit) {
  // x and dy are read in place for a pointwise convolution (single images); dy is, too, for
  // the implicit product of one image, which packs it (as the GEMM's B) rather than streaming it.
  const bool pointwise = conv_is_pointwise(s), dy_in_place = pointwise || (implicit && count == 1);
  const int columns = count * z.p, ld = dy_in_place ? z.p : conv_group_ld(columns);
  const float* rows = dy_in_place ? dy : buf.rows;
  if (!dy_in_place) gather_rows(s, z, dy, count, buf.rows, ld);
  if (implicit) {
    conv2d_implicit_backward_weights_product(s, x, count, rows, ld, dw, accumulate, buf.cols);
  } else {
    const float* cols = x;
    if (!pointwise) {
      for (int j = 0; j < count; ++j) im2col(s, x + j * z.x_image, buf.cols + (size_t)j * z.p, ld);
      cols = buf.cols;
    }
    gemm(false, true, s.oc, z.ckk, columns, 1.0f, rows, ld, cols, ld, accumulate ? 1.0f : 0.0f, dw, z.ckk);
  }
  if (db)
    for (int o = 0; o < s.oc; ++o) {
      float sum = sum_floats(rows + (size_t)o * ld, columns);
      db[o] = accumulate ? db[o] + sum : sum;
    }
}

// Calls f(first, count) for the groups of images [begin, end), in order.
template <typename F>
void for_each_group(int begin, int end, int group, F f) {
  for (int i = begin; i < end; i += group) f(i, std::min(group, end - i));
}

}  // namespace

bool conv2d_output_size(Conv2dShape& s) {
  long long eh = (long long)s.h + 2LL * s.ph - s.kh, ew = (long long)s.w + 2LL * s.pw - s.kw;
  if (s.sh <= 0 || s.sw <= 0 || eh < 0 || ew < 0) {
    s.oh = s.ow = 0;
    return false;
  }
  s.oh = (int)(eh / s.sh + 1);
  s.ow = (int)(ew / s.sw + 1);
  return s.oh > 0 && s.ow > 0;
}

// Group buffers for every thread; backward-weights also needs a partial dw and db for
// every thread but the first (which accumulates straight into dw and db).
size_t conv2d_workspace_floats(const Conv2dShape& s, int threads) {
  ConvSizes z = sizes_of(s);
  size_t t = (size_t)std::max(threads, 1);
  size_t gemm = t * group_floats(s, z) + (t - 1) * (z.dw + (size_t)s.oc);
  return std::max({gemm, conv2d_direct_workspace_floats(s, threads),
                   conv2d_implicit_workspace_floats(s, threads)});  // any path may run
}

namespace {

// conv2d_forward, and conv2d_forward_relu when relu.
void forward_any_path(const Conv2dShape& s, const ConvAlgorithms& algo, const float* x, const float* w, const float* b,
                      float* y, float* workspace, bool relu) {
  if (algo.forward == ConvAlgorithm::direct)
    return algo.precision == Precision::bf16 ? conv2d_direct_forward_bf16(s, x, w, b, y, workspace, relu)
                                             : conv2d_direct_forward(s, x, w, b, y, workspace, relu);
  if (algo.forward == ConvAlgorithm::implicit)
    return conv2d_implicit_forward(s, x, w, b, y, workspace, relu, algo.precision);
  ConvSizes z = sizes_of(s);
  const int nt = num_threads(), group = conv_group_images(s);
  auto run = [&](int begin, int end, GroupBuffers buf, GemmFn gemm) {
    for_each_group(begin, end, group, [&](int i, int count) {
      forward_group(s, z, x + i * z.x_image, w, b, y + i * z.y_image, count, buf, gemm, relu);
    });
  };
  if (s.n < nt)
    return run(0, s.n, group_buffers(s, z, workspace), gemm_of(algo.precision));  // parallel inside each GEMM
#pragma omp parallel num_threads(nt)
  {
    int t = thread_id(), begin, end;
    image_range(s.n, t, team_size(), &begin, &end);
    run(begin, end, group_buffers(s, z, workspace + t * group_floats(s, z)), serial_gemm_of(algo.precision));
  }
}

ConvAlgorithms per_op_algorithms(const Conv2dShape& s) {
  ConvPathSetting setting = ConvPathSetting::automatic;
  parse_conv_path_setting(conv_path(), &setting);
  Precision precision = Precision::fp32;
  parse_precision(conv_precision(), &precision);
  return choose_conv_algorithms(s, setting, precision);
}

}  // namespace

void conv2d_forward(const Conv2dShape& s, const ConvAlgorithms& algo, const float* x, const float* w, const float* b,
                    float* y, float* workspace) {
  forward_any_path(s, algo, x, w, b, y, workspace, false);
}

void conv2d_forward_relu(const Conv2dShape& s, const ConvAlgorithms& algo, const float* x, const float* w,
                         const float* b, float* y, float* workspace) {
  forward_any_path(s, algo, x, w, b, y, workspace, true);
}

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y, float* workspace) {
  conv2d_forward(s, per_op_algorithms(s), x, w, b, y, workspace);
}

void conv2d_forward_relu(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                         float* workspace) {
  conv2d_forward_relu(s, per_op_algorithms(s), x, w, b, y, workspace);
}

void conv2d_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                          float* workspace) {
  conv2d_backward_data(s, per_op_algorithms(s), dy, w, dx, accumulate, workspace);
}

void conv2d_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* db,
                             float* workspace) {
  conv2d_backward_weights(s, per_op_algorithms(s), x, dy, dw, db, workspace);
}

void conv2d_backward(const Conv2dShape& s, const float* x, const float* dy, const float* relu_y, float* dy_masked,
                     const float* w, float* dw, float* db, float* dx, bool accumulate, float* workspace) {
  conv2d_backward(s, per_op_algorithms(s), x, dy, relu_y, dy_masked, w, dw, db, dx, accumulate, workspace);
}

void conv2d_backward_data(const Conv2dShape& s, const ConvAlgorithms& algo,
                          const float* dy,  // (N, OC, OH, OW)
                          const float* w,   // (OC, C, KH, KW)
                          float* dx,        // (N, C, H, W)
                          bool accumulate, float* workspace) {
  if (algo.backward_data == ConvAlgorithm::direct)
    return algo.precision == Precision::bf16 ? conv2d_direct_backward_data_bf16(s, dy, w, dx, accumulate, workspace)
                                             : conv2d_direct_backward_data(s, dy, w, dx, accumulate, workspace);
  if (algo.backward_data == ConvAlgorithm::implicit)
    return conv2d_implicit_backward_data(s, dy, w, dx, accumulate, workspace, algo.precision);
  ConvSizes z = sizes_of(s);
  const int nt = num_threads(), group = conv_group_images(s);
  auto run = [&](int begin, int end, GroupBuffers buf, GemmFn gemm) {
    for_each_group(begin, end, group, [&](int i, int count) {
      backward_data_group(s, z, dy + i * z.y_image, w, dx + i * z.x_image, accumulate, count, buf, gemm);
    });
  };
  if (s.n < nt) return run(0, s.n, group_buffers(s, z, workspace), gemm_of(algo.precision));
#pragma omp parallel num_threads(nt)
  {
    int t = thread_id(), begin, end;
    image_range(s.n, t, team_size(), &begin, &end);
    run(begin, end, group_buffers(s, z, workspace + t * group_floats(s, z)), serial_gemm_of(algo.precision));
  }
}

void conv2d_backward_weights(const Conv2dShape& s, const ConvAlgorithms& algo,
                             const float* x,   // (N, C, H, W)
                             const float* dy,  // (N, OC, OH, OW)
                             float* dw,        // (OC, C, KH, KW)
                             float* db,        // (OC) or nullptr
                             float* workspace) {
  if (algo.backward_weights == ConvAlgorithm::direct)
    return algo.precision == Precision::bf16 ? conv2d_direct_backward_weights_bf16(s, x, dy, dw, db, workspace)
                                             : conv2d_direct_backward_weights(s, x, dy, dw, db, workspace);
  ConvSizes z = sizes_of(s);
  const int nt = num_threads(), group = conv_group_images(s);
  const size_t per_thread = group_floats(s, z);
  // The implicit product runs one serial GEMM per group, so with fewer images than threads
  // im2col's parallel GEMM runs instead (its sums are the same, bit for bit).
  const bool implicit =
      algo.backward_weights == ConvAlgorithm::implicit && implicit_backward_weights_supported(s) && s.n >= nt;
  // Sums over the groups of images [begin, end) into dw and db, added to them or not.
  auto run = [&](int begin, int end, float* my_dw, float* my_db, bool accumulate, GroupBuffers buf, GemmFn gemm) {
    float* sums = my_dw;  // the implicit product's sums are dw transposed, turned once each way
    if (implicit) {
      sums = buf.dw_t;
      if (accumulate) transpose_into(my_dw, s.oc, z.ckk, sums);
    }
    for_each_group(begin, end, group, [&](int i, int count) {
      backward_weights_group(s, z, x + i * z.x_image, dy + i * z.y_image, sums, my_db, accumulate, count, buf, gemm,
                             implicit);
      accumulate = true;
    });
    if (implicit) transpose_into(sums, z.ckk, s.oc, my_dw);
  };
  if (s.n < nt) return run(0, s.n, dw, db, true, group_buffers(s, z, workspace), gemm_of(algo.precision));
  // Layout: nt group buffers, then partial dw (OC, CKK) and db (OC) for threads 1..nt-1.
  float* partials = workspace + (size_t)nt * per_thread;
  size_t partial_floats = z.dw + (size_t)s.oc;
#pragma omp parallel num_threads(nt)
  {
    int t = thread_id(), team = team_size(), begin, end;
    image_range(s.n, t, team, &begin, &end);
    float* my_dw = t == 0 ? dw : partials + (t - 1) * partial_floats;
    float* my_db = !db ? nullptr : t == 0 ? db : my_dw + z.dw;
    // Thread 0 adds to the caller's dw; the partials start from their first group (every
    // thread has at least one image, as n >= nt >= team), so the workspace need not be cleared.
    run(begin, end, my_dw, my_db, t == 0, group_buffers(s, z, workspace + t * per_thread),
        serial_gemm_of(algo.precision));
#pragma omp barrier
    // Fixed-order reduction, each thread over its own slice of elements:
    // dw[e] = ((dw[e] + partial_1[e]) + partial_2[e]) + ...; db likewise.
    size_t total = z.dw + (db ? (size_t)s.oc : 0);
    size_t e0 = total * t / team, e1 = total * (t + 1) / team;
    for (int u = 1; u < team; ++u) {
      const float* part = partials + (u - 1) * partial_floats;
      size_t w_end = std::min(e1, z.dw);
      for (size_t e = e0; e < w_end; ++e) dw[e] += part[e];
      for (size_t e = std::max(e0, z.dw); e < e1; ++e) db[e - z.dw] += part[e];
    }
  }
}

void conv2d_backward(const Conv2dShape& s, const ConvAlgorithms& algo, const float* x, const float* dy,
                     const float* relu_y, float* dy_masked, const float* w, float* dw, float* db, float* dx,
                     bool accumulate, float* workspace) {
  const bool one_pass = algo.backward_weights == ConvAlgorithm::direct &&
                        (!dx || algo.backward_data == ConvAlgorithm::direct) && direct_backward_in_one_pass(s);
  if (one_pass)
    return conv2d_direct_backward(s, algo.precision == Precision::bf16, x, dy, relu_y, w, dw, db, dx, accumulate,
                                  workspace);
  if (relu_y) {
    activation_backward(Activation::Relu, (size_t)s.n * s.oc * s.oh * s.ow, relu_y, dy, dy_masked, false);
    dy = dy_masked;
  }
  conv2d_backward_weights(s, algo, x, dy, dw, db, workspace);
  if (dx) conv2d_backward_data(s, algo, dy, w, dx, accumulate, workspace);
}

}  // namespace cnn
