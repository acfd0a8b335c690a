// Per-channel scale and shift (see channel_affine.h). Forward is split over the N*C planes;
// backward splits over channels, because each channel's dscale and dshift is a sum over
// the whole batch that one thread then owns: no reduction across threads, and sums taken
// in a fixed order (deterministic). Dimension names N, C, S as in the header.
#include "kernels/channel_affine.h"
#include "kernels/threads.h"
#include <cstddef>

namespace cnn {

namespace {

constexpr long long kParallelMinCount = 32 * 1024;

bool worth_parallel(int n, int c, int s) { return (long long)n * c * s > kParallelMinCount; }

}  // namespace

void channel_affine_forward(int n, int c, int s,
                            const float* x,      // (N, C, S)
                            const float* scale,  // (C)
                            const float* shift,  // (C) or nullptr
                            float* y) {          // (N, C, S)
  long long planes = (long long)n * c;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(n, c, s))
  for (long long p = 0; p < planes; ++p) {
    int ch = (int)(p % c);
    const float a = scale[ch], b = shift ? shift[ch] : 0.0f;
    const float* xp = x + p * s;
    float* yp = y + p * s;
    for (int i = 0; i < s; ++i) yp[i] = a * xp[i] + b;
  }
}

void channel_affine_backward(int n, int c, int s,
                             const float* x,      // (N, C, S)
                             const float* scale,  // (C)
                             const float* dy,     // (N, C, S)
                             float* dx,           // (N, C, S) or nullptr (no input gradient)
                             float* dscale,       // (C)
                             float* dshift,       // (C) or nullptr
                             bool accumulate) {
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(n, c, s) && c > 1)
  for (int ch = 0; ch < c; ++ch) {
    const float a = scale[ch];
    // Double sums: a channel may gather a whole batch of feature maps.
    double sum_dy_x = 0.0, sum_dy = 0.0;
    for (int img = 0; img < n; ++img) {
      size_t base = ((size_t)img * c + ch) * s;
      const float* xp = x + base;
      const float* dyp = dy + base;
      for (int i = 0; i < s; ++i) {
        sum_dy_x += (double)dyp[i] * xp[i];
        sum_dy += dyp[i];
      }
      if (dx) {
        float* dxp = dx + base;
        if (accumulate)
          for (int i = 0; i < s; ++i) dxp[i] += a * dyp[i];
        else
          for (int i = 0; i < s; ++i) dxp[i] = a * dyp[i];
      }
    }
    dscale[ch] += (float)sum_dy_x;
    if (dshift) dshift[ch] += (float)sum_dy;
  }
}

}  // namespace cnn
