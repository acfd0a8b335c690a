// 2-D convolution as im2col + GEMM (darknet's approach): each image's receptive fields are
// unrolled into a column matrix col (C*KH*KW, OH*OW) so that the convolution becomes one
// matrix product with the filters W (OC, C*KH*KW). Work is parallel over the batch: every
// thread owns whole images and a private slice of the workspace, calling the serial GEMM.
// When the batch is smaller than the team, images run one after another and the GEMM is
// the parallel one instead, so a single image still uses every core.
// Dimension names as in conv2d.h; CKK = C*KH*KW (rows of col), P = OH*OW (its columns).
#include "kernels/conv2d.h"
#include "kernels/gemm.h"
#include "kernels/threads.h"
#include <algorithm>
#include <cstring>
#ifdef _OPENMP
#include <omp.h>
#endif

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

// A 1x1, stride-1, unpadded convolution reads x (C, H*W) directly as its column matrix.
bool is_pointwise(const Conv2dShape& s) {
  return s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0;
}

int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}
int team_size() {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
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

// col (CKK, P) = the receptive fields of one image, zero where they fall in the padding.
void im2col(const Conv2dShape& s,
            const float* x,  // (C, H, W)
            float* col) {    // (C*KH*KW, OH*OW)
  for (int c = 0; c < s.c; ++c)
    for (int i = 0; i < s.kh; ++i)
      for (int j = 0; j < s.kw; ++j) {
        float* row = col + ((size_t)(c * s.kh + i) * s.kw + j) * s.oh * s.ow;
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

// x (C, H, W) += the columns of col scattered back to where im2col read them.
void col2im_add(const Conv2dShape& s,
                const float* col,  // (C*KH*KW, OH*OW)
                float* x) {        // (C, H, W)
  for (int c = 0; c < s.c; ++c)
    for (int i = 0; i < s.kh; ++i)
      for (int j = 0; j < s.kw; ++j) {
        const float* row = col + ((size_t)(c * s.kh + i) * s.kw + j) * s.oh * s.ow;
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

// Sum of n floats in eight independent lanes, so the loop vectorises without -ffast-math
// and the result does not depend on the thread count.
float sum_floats(const float* v, size_t n) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l) lane[l] += v[i + l];
  float total = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
  for (; i < n; ++i) total += v[i];
  return total;
}

// y (OC, P) = W col + b for one image, col being its column matrix; `parallel` selects the
// parallel GEMM (used when images are not spread over threads).
void forward_image(const Conv2dShape& s, const ConvSizes& z, const float* col, const float* w, const float* b,
                   float* y, bool parallel) {
  if (b)
    for (int o = 0; o < s.oc; ++o) std::fill_n(y + (size_t)o * z.p, z.p, b[o]);
  float beta = b ? 1.0f : 0.0f;
  if (parallel) sgemm(false, false, s.oc, z.p, z.ckk, 1.0f, w, z.ckk, col, z.p, beta, y, z.p);
  else sgemm_serial(false, false, s.oc, z.p, z.ckk, 1.0f, w, z.ckk, col, z.p, beta, y, z.p);
}

// dx (C, H, W) (=|+=) col2im(W^T dy) for one image; col is scratch of z.col floats.
void backward_data_image(const Conv2dShape& s, const ConvSizes& z, const float* dy, const float* w, float* dx,
                         bool accumulate, float* col, bool parallel) {
  auto gemm = parallel ? sgemm : sgemm_serial;
  if (is_pointwise(s)) {  // dx is itself the column matrix
    gemm(true, false, z.ckk, z.p, s.oc, 1.0f, w, z.ckk, dy, z.p, accumulate ? 1.0f : 0.0f, dx, z.p);
    return;
  }
  gemm(true, false, z.ckk, z.p, s.oc, 1.0f, w, z.ckk, dy, z.p, 0.0f, col, z.p);
  if (!accumulate) std::memset(dx, 0, sizeof(float) * z.x_image);
  col2im_add(s, col, dx);
}

// dw (OC, CKK) (=|+=) dy col^T and db (OC) += row sums of dy, for one image.
void backward_weights_image(const Conv2dShape& s, const ConvSizes& z, const float* x, const float* dy, float* dw,
                            float* db, bool accumulate, float* col, bool parallel) {
  const float* cols = x;
  if (!is_pointwise(s)) {
    im2col(s, x, col);
    cols = col;
  }
  auto gemm = parallel ? sgemm : sgemm_serial;
  gemm(false, true, s.oc, z.ckk, z.p, 1.0f, dy, z.p, cols, z.p, accumulate ? 1.0f : 0.0f, dw, z.ckk);
  if (db)
    for (int o = 0; o < s.oc; ++o) {
      float sum = sum_floats(dy + (size_t)o * z.p, z.p);
      db[o] = accumulate ? db[o] + sum : sum;
    }
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

// One column buffer per thread; backward-weights also needs a partial dw and db for every
// thread but the first (which accumulates straight into dw and db).
size_t conv2d_workspace_floats(const Conv2dShape& s, int threads) {
  ConvSizes z = sizes_of(s);
  size_t t = (size_t)std::max(threads, 1);
  return t * z.col + (t - 1) * (z.dw + (size_t)s.oc);
}

void conv2d_forward(const Conv2dShape& s,
                    const float* x,   // (N, C, H, W)
                    const float* w,   // (OC, C, KH, KW)
                    const float* b,   // (OC) or nullptr
                    float* y,         // (N, OC, OH, OW)
                    float* workspace) {
  ConvSizes z = sizes_of(s);
  int nt = num_threads();
  if (s.n < nt) {  // too few images to share out: parallelise inside each GEMM
    for (int i = 0; i < s.n; ++i) {
      const float* xi = x + i * z.x_image;
      if (!is_pointwise(s)) {
        im2col(s, xi, workspace);
        xi = workspace;
      }
      forward_image(s, z, xi, w, b, y + i * z.y_image, true);
    }
    return;
  }
#pragma omp parallel num_threads(nt)
  {
    int t = thread_id(), begin, end;
    image_range(s.n, t, team_size(), &begin, &end);
    float* col = workspace + t * z.col;
    for (int i = begin; i < end; ++i) {
      const float* xi = x + i * z.x_image;
      if (!is_pointwise(s)) {
        im2col(s, xi, col);
        xi = col;
      }
      forward_image(s, z, xi, w, b, y + i * z.y_image, false);
    }
  }
}

void conv2d_backward_data(const Conv2dShape& s,
                          const float* dy,  // (N, OC, OH, OW)
                          const float* w,   // (OC, C, KH, KW)
                          float* dx,        // (N, C, H, W)
                          bool accumulate,
                          float* workspace) {
  ConvSizes z = sizes_of(s);
  int nt = num_threads();
  if (s.n < nt) {
    for (int i = 0; i < s.n; ++i)
      backward_data_image(s, z, dy + i * z.y_image, w, dx + i * z.x_image, accumulate, workspace, true);
    return;
  }
#pragma omp parallel num_threads(nt)
  {
    int t = thread_id(), begin, end;
    image_range(s.n, t, team_size(), &begin, &end);
    for (int i = begin; i < end; ++i)
      backward_data_image(s, z, dy + i * z.y_image, w, dx + i * z.x_image, accumulate, workspace + t * z.col, false);
  }
}

void conv2d_backward_weights(const Conv2dShape& s,
                             const float* x,   // (N, C, H, W)
                             const float* dy,  // (N, OC, OH, OW)
                             float* dw,        // (OC, C, KH, KW)
                             float* db,        // (OC) or nullptr
                             float* workspace) {
  ConvSizes z = sizes_of(s);
  int nt = num_threads();
  if (s.n < nt) {
    for (int i = 0; i < s.n; ++i)
      backward_weights_image(s, z, x + i * z.x_image, dy + i * z.y_image, dw, db, true, workspace, true);
    return;
  }
  // Layout: nt column buffers, then partial dw (OC, CKK) and db (OC) for threads 1..nt-1.
  float* partials = workspace + (size_t)nt * z.col;
  size_t partial_floats = z.dw + (size_t)s.oc;
#pragma omp parallel num_threads(nt)
  {
    int t = thread_id(), team = team_size(), begin, end;
    image_range(s.n, t, team, &begin, &end);
    float* my_dw = t == 0 ? dw : partials + (t - 1) * partial_floats;
    float* my_db = !db ? nullptr : t == 0 ? db : my_dw + z.dw;
    // Thread 0 adds to the caller's dw; the partials start from their first image (every
    // thread has at least one, as n >= nt >= team), so the workspace need not be cleared.
    bool accumulate = t == 0;
    for (int i = begin; i < end; ++i, accumulate = true)
      backward_weights_image(s, z, x + i * z.x_image, dy + i * z.y_image, my_dw, my_db, accumulate,
                             workspace + t * z.col, false);
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

}  // namespace cnn
