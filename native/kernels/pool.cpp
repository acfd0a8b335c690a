// Max and average pooling, forward and backward. Every (image, channel) plane is
// independent, so the work is split over the N*C planes; within a plane the windows are
// clipped to the real input, which is what padding with -inf (max) or zeros (average,
// counted in the divisor) amounts to.
// Dimension names as in pool.h.
#include "kernels/pool.h"
#include "kernels/gemm.h"
#include "kernels/pool_stride2.h"
#include "kernels/threads.h"
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>

namespace cnn {

namespace {

// Below this many outputs a parallel region costs more than it saves.
constexpr long long kParallelMinWork = 32 * 1024;

size_t in_plane(const Pool2dShape& s) { return (size_t)s.h * s.w; }
size_t out_plane(const Pool2dShape& s) { return (size_t)s.oh * s.ow; }
long long planes(const Pool2dShape& s) { return (long long)s.n * s.c; }
bool worth_parallel(const Pool2dShape& s) {
  return planes(s) > 1 && planes(s) * (long long)out_plane(s) * s.kh * s.kw > kParallelMinWork;
}

// The window of output (oy, ox) clipped to the real input: rows [y0, y1), columns [x0, x1).
struct Window {
  int y0, y1, x0, x1;
};
Window window_at(const Pool2dShape& s, int oy, int ox) {
  int ys = oy * s.sh - s.ph, xs = ox * s.sw - s.pw;
  return {std::max(ys, 0), std::min(ys + s.kh, s.h), std::max(xs, 0), std::min(xs + s.kw, s.w)};
}

// The comparison is written as selects, not a branch: on real activations "is this the new
// maximum" is a coin flip, and a mispredicted branch per element made pooling one of the
// slowest layers. Strict > keeps the first of equal maxima; a NaN in the window's first cell
// propagates (nothing compares greater), as in PyTorch.
inline void take_if_greater(float v, int index, float& best, int& best_index) {
  const bool greater = v > best;
  best = greater ? v : best;
  best_index = greater ? index : best_index;
}

// 2x2 windows at stride 2, all inside the plane (LeNet's and VGG's pooling): one output row
// from two input rows, the four candidates compared in window order with selects only, in a
// loop the compiler vectorises.
void maxpool_row_2x2(const float* r0, const float* r1, int ow, int w, int row_base, float* y, int32_t* argmax) {
  for (int ox = 0; ox < ow; ++ox) {
    const float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
    const int first = row_base + 2 * ox;
    float best = a;
    int index = first;
    bool g = b > best;
    best = g ? b : best;
    index = g ? first + 1 : index;
    g = c > best;
    best = g ? c : best;
    index = g ? first + w : index;
    g = d > best;
    best = g ? d : best;
    index = g ? first + w + 1 : index;
    y[ox] = best;
    argmax[ox] = index;
  }
}

// Any window size and stride, all windows inside the plane (no padding): each output row is
// done in chunks of outputs, visiting the window cells in the same order as the general loop
// (row by row, strict >) but with the chunk's outputs innermost, so the compare-and-select
// runs over consecutive outputs and vectorises. kStride: the column stride where the
// compiler should know it (stride 2, AlexNet's and ResNet's 3x3 pools, then loads its
// strided cells as pairs of vectors), 0 where it is read from s.
template <int kStride>
void maxpool_plane_unpadded(const Pool2dShape& s, const float* x, float* y, int32_t* argmax) {
  constexpr int kChunk = 64;
  const int sw = kStride > 0 ? kStride : s.sw;
  float best[kChunk];
  int32_t index[kChunk];
  for (int oy = 0; oy < s.oh; ++oy)
    for (int ox0 = 0; ox0 < s.ow; ox0 += kChunk) {
      const int count = std::min(kChunk, s.ow - ox0);
      const int base = oy * s.sh * s.w + ox0 * sw;  // window (0, 0) of output ox0
      for (int k = 0; k < count; ++k) {
        best[k] = x[base + k * sw];
        index[k] = base + k * sw;
      }
      for (int i = 0; i < s.kh; ++i)
        for (int j = 0; j < s.kw; ++j) {
          if ((i | j) == 0) continue;
          const int first = base + i * s.w + j;
          const float* cells = x + first;
          for (int k = 0; k < count; ++k) {
            const float v = cells[k * sw];
            const int32_t take = -(int32_t)(v > best[k]);  // all ones or zero: a mask, not a branch
            best[k] = std::max(best[k], v);                // = v > best ? v : best, NaN kept
            index[k] = (index[k] & ~take) | ((first + k * sw) & take);
          }
        }
      std::copy_n(best, count, y + oy * s.ow + ox0);
      std::copy_n(index, count, argmax + oy * s.ow + ox0);
    }
}

// The AVX-512 unit for unpadded windows larger than 2x2 at column stride 2, where the fp32
// GEMM path in use is AVX-512 (so CNN_GEMM_PATH and the tests' path switch choose it too);
// else nullptr. 2x2 windows keep their own loop, which the compiler vectorises as well.
MaxPoolPlaneFn vector_stride2_plane(const Pool2dShape& s) {
  if (s.sw != 2 || s.ph != 0 || s.pw != 0 || s.kh * s.kw <= 4 || std::strcmp(gemm_path(), "avx512") != 0)
    return nullptr;
  return maxpool_plane_stride2_avx512();
}

void maxpool_plane(const Pool2dShape& s,
                   const float* x,     // (H, W)
                   float* y,           // (OH, OW)
                   int32_t* argmax) {  // (OH, OW)
  if (s.kh == 2 && s.kw == 2 && s.sh == 2 && s.sw == 2 && s.ph == 0 && s.pw == 0) {
    for (int oy = 0; oy < s.oh; ++oy) {
      const int row_base = 2 * oy * s.w;
      maxpool_row_2x2(x + row_base, x + row_base + s.w, s.ow, s.w, row_base, y + oy * s.ow, argmax + oy * s.ow);
    }
    return;
  }
  if (s.ph == 0 && s.pw == 0)
    return s.sw == 2 ? maxpool_plane_unpadded<2>(s, x, y, argmax) : maxpool_plane_unpadded<0>(s, x, y, argmax);
  for (int oy = 0; oy < s.oh; ++oy)
    for (int ox = 0; ox < s.ow; ++ox) {
      Window win = window_at(s, oy, ox);
      // Start from the first real cell: padding (-inf) can never beat it.
      // A window entirely in padding (the binding rules it out) yields -inf and index -1.
      bool empty = win.y1 <= win.y0 || win.x1 <= win.x0;
      int best_index = empty ? -1 : win.y0 * s.w + win.x0;
      float best = empty ? -std::numeric_limits<float>::infinity() : x[best_index];
      for (int iy = win.y0; iy < win.y1; ++iy)
        for (int ix = win.x0; ix < win.x1; ++ix) take_if_greater(x[iy * s.w + ix], iy * s.w + ix, best, best_index);
      y[oy * s.ow + ox] = best;
      argmax[oy * s.ow + ox] = best_index;
    }
}

void avgpool_plane(const Pool2dShape& s,
                   const float* x,  // (H, W)
                   float* y) {      // (OH, OW)
  const float inv_area = 1.0f / (float)(s.kh * s.kw);
  for (int oy = 0; oy < s.oh; ++oy)
    for (int ox = 0; ox < s.ow; ++ox) {
      Window win = window_at(s, oy, ox);
      float sum = 0.0f;
      for (int iy = win.y0; iy < win.y1; ++iy)
        for (int ix = win.x0; ix < win.x1; ++ix) sum += x[iy * s.w + ix];
      y[oy * s.ow + ox] = sum * inv_area;
    }
}

}  // namespace

bool pool2d_output_size(Pool2dShape& s) {
  long long eh = (long long)s.h + 2LL * s.ph - s.kh, ew = (long long)s.w + 2LL * s.pw - s.kw;
  if (s.sh <= 0 || s.sw <= 0 || eh < 0 || ew < 0) {
    s.oh = s.ow = 0;
    return false;
  }
  s.oh = (int)(eh / s.sh + 1);
  s.ow = (int)(ew / s.sw + 1);
  return s.oh > 0 && s.ow > 0;
}

void maxpool2d_forward(const Pool2dShape& s,
                       const float* x,     // (N, C, H, W)
                       float* y,           // (N, C, OH, OW)
                       int32_t* argmax) {  // (N, C, OH, OW): index into the H*W plane
  long long np = planes(s);
  const MaxPoolPlaneFn vector_plane = vector_stride2_plane(s);
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(s))
  for (long long p = 0; p < np; ++p) {
    const float* xp = x + p * in_plane(s);
    float* yp = y + p * out_plane(s);
    int32_t* ap = argmax + p * out_plane(s);
    if (vector_plane)
      vector_plane(s, xp, yp, ap);
    else
      maxpool_plane(s, xp, yp, ap);
  }
}

void maxpool2d_backward(const Pool2dShape& s,
                        const float* dy,        // (N, C, OH, OW)
                        const int32_t* argmax,  // (N, C, OH, OW)
                        float* dx,              // (N, C, H, W)
                        bool accumulate) {
  long long np = planes(s);
  size_t ip = in_plane(s), op = out_plane(s);
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(s))
  for (long long p = 0; p < np; ++p) {
    float* dxp = dx + p * ip;
    const float* dyp = dy + p * op;
    const int32_t* am = argmax + p * op;
    if (!accumulate) std::memset(dxp, 0, sizeof(float) * ip);
    for (size_t o = 0; o < op; ++o)
      if (am[o] >= 0) dxp[am[o]] += dyp[o];  // windows overlap when stride < kernel: add
  }
}

void avgpool2d_forward(const Pool2dShape& s,
                       const float* x,  // (N, C, H, W)
                       float* y) {      // (N, C, OH, OW)
  long long np = planes(s);
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(s))
  for (long long p = 0; p < np; ++p) avgpool_plane(s, x + p * in_plane(s), y + p * out_plane(s));
}

void avgpool2d_backward(const Pool2dShape& s,
                        const float* dy,  // (N, C, OH, OW)
                        float* dx,        // (N, C, H, W)
                        bool accumulate) {
  long long np = planes(s);
  size_t ip = in_plane(s), op = out_plane(s);
  const float inv_area = 1.0f / (float)(s.kh * s.kw);
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(s))
  for (long long p = 0; p < np; ++p) {
    float* dxp = dx + p * ip;
    const float* dyp = dy + p * op;
    if (!accumulate) std::memset(dxp, 0, sizeof(float) * ip);
    for (int oy = 0; oy < s.oh; ++oy)
      for (int ox = 0; ox < s.ow; ++ox) {
        Window win = window_at(s, oy, ox);
        float g = dyp[oy * s.ow + ox] * inv_area;
        for (int iy = win.y0; iy < win.y1; ++iy)
          for (int ix = win.x0; ix < win.x1; ++ix) dxp[iy * s.w + ix] += g;
      }
  }
}

}  // namespace cnn
