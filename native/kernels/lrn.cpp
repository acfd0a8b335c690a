// Local response normalisation (see lrn.h). Each output plane (image, channel) depends only
// on a window of input planes of the same image, so both passes split over the N*C planes
// with no shared writes; each element's window sum is taken in channel order (deterministic).
// The window of channels feeding output c is [c - size/2, c + (size-1)/2]; conversely input j
// feeds the outputs c in [j - (size-1)/2, j + size/2]. Loops run along the contiguous plane so
// they vectorise; backward gathers its cross-channel sum in a small stack block. scale^-beta
// takes square roots for AlexNet's beta = 0.75 (and 0.5, 1) instead of calling pow.
#include "kernels/lrn.h"
#include "kernels/threads.h"
#include <algorithm>
#include <cmath>
#include <cstddef>

namespace cnn {

namespace {

constexpr long long kParallelMinCount = 16 * 1024;

constexpr int kBlock = 256;  // backward: elements of a plane handled at once (a stack buffer)

bool worth_parallel(int n, int c, int s) { return (long long)n * c * s > kParallelMinCount; }

// dst[i] = src[i]^-beta, src > 0.
void pow_neg_beta(int count, const float* src, float beta, float* dst) {
  if (beta == 0.75f) {
    for (int i = 0; i < count; ++i) {
      float r = std::sqrt(src[i]);
      dst[i] = 1.0f / (r * std::sqrt(r));
    }
  } else if (beta == 0.5f) {
    for (int i = 0; i < count; ++i) dst[i] = 1.0f / std::sqrt(src[i]);
  } else if (beta == 1.0f) {
    for (int i = 0; i < count; ++i) dst[i] = 1.0f / src[i];
  } else {
    for (int i = 0; i < count; ++i) dst[i] = std::pow(src[i], -beta);
  }
}

}  // namespace

void lrn_forward(int n, int c, int s, const LrnParams& lrn,
                 const float* x,  // (N, C, S)
                 float* y,        // (N, C, S)
                 float* scale) {  // (N, C, S)
  const long long planes = (long long)n * c;
  const float coef = lrn.alpha / (float)lrn.size, k = lrn.k;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(n, c, s))
  for (long long p = 0; p < planes; ++p) {
    const int ch = (int)(p % c);
    const float* image = x + (p - ch) * s;  // channel 0 of this image
    const int lo = std::max(0, ch - lrn.size / 2), hi = std::min(c - 1, ch + (lrn.size - 1) / 2);
    float* sp = scale + p * s;
    for (int i = 0; i < s; ++i) sp[i] = 0.0f;
    for (int cc = lo; cc <= hi; ++cc) {
      const float* xp = image + (size_t)cc * s;
      for (int i = 0; i < s; ++i) sp[i] += xp[i] * xp[i];
    }
    const float* xp = x + p * s;
    float* yp = y + p * s;
    for (int i = 0; i < s; ++i) sp[i] = k + coef * sp[i];
    pow_neg_beta(s, sp, lrn.beta, yp);
    for (int i = 0; i < s; ++i) yp[i] *= xp[i];
  }
}

void lrn_backward(int n, int c, int s, const LrnParams& lrn,
                  const float* x,      // (N, C, S)
                  const float* y,      // (N, C, S)
                  const float* scale,  // (N, C, S)
                  const float* dy,     // (N, C, S)
                  float* dx,           // (N, C, S)
                  bool accumulate) {
  const long long planes = (long long)n * c;
  const float coef = 2.0f * lrn.alpha * lrn.beta / (float)lrn.size;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(n, c, s))
  for (long long p = 0; p < planes; ++p) {
    const int j = (int)(p % c);
    const size_t image = (size_t)(p - j) * s;  // offset of channel 0 of this image
    const int lo = std::max(0, j - (lrn.size - 1) / 2), hi = std::min(c - 1, j + lrn.size / 2);
    for (int i0 = 0; i0 < s; i0 += kBlock) {
      const int len = std::min(kBlock, s - i0);
      float cross[kBlock];  // sum over the outputs that input j feeds of dy * y / scale
      for (int i = 0; i < len; ++i) cross[i] = 0.0f;
      for (int cc = lo; cc <= hi; ++cc) {
        const size_t o = image + (size_t)cc * s + i0;
        for (int i = 0; i < len; ++i) cross[i] += dy[o + i] * y[o + i] / scale[o + i];
      }
      const size_t q = (size_t)p * s + i0;
      float g[kBlock];
      pow_neg_beta(len, scale + q, lrn.beta, g);
      for (int i = 0; i < len; ++i) g[i] = dy[q + i] * g[i] - coef * x[q + i] * cross[i];
      if (accumulate)
        for (int i = 0; i < len; ++i) dx[q + i] += g[i];
      else
        for (int i = 0; i < len; ++i) dx[q + i] = g[i];
    }
  }
}

}  // namespace cnn
