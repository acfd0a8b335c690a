// Batch normalisation (see batchnorm.h). Every loop is split over channels: a channel's
// statistics and parameter gradients are sums over the whole batch that one thread owns,
// so there is no reduction across threads and each sum is taken in a fixed order
// (deterministic for any thread count). Sums are in double and the variance is a second
// pass over (x - mean)^2, so large means do not cancel the variance away.
#include "kernels/batchnorm.h"
#include "kernels/threads.h"
#include <cmath>
#include <cstddef>

namespace cnn {

namespace {

constexpr long long kParallelMinCount = 32 * 1024;

bool worth_parallel(int n, int c, int s) { return c > 1 && (long long)n * c * s > kParallelMinCount; }

const float* plane(const float* base, int img, int c, int ch, int s) { return base + ((size_t)img * c + ch) * s; }
float* plane(float* base, int img, int c, int ch, int s) { return base + ((size_t)img * c + ch) * s; }

// Biased mean and variance of one channel over the batch, two passes in double.
void channel_moments(int n, int c, int s, const float* x, int ch, double* mean, double* var) {
  double sum = 0.0;
  for (int img = 0; img < n; ++img) {
    const float* xp = plane(x, img, c, ch, s);
    for (int i = 0; i < s; ++i) sum += xp[i];
  }
  const double count = (double)n * s;
  const double m = sum / count;
  double sq = 0.0;
  for (int img = 0; img < n; ++img) {
    const float* xp = plane(x, img, c, ch, s);
    for (int i = 0; i < s; ++i) { double d = xp[i] - m; sq += d * d; }
  }
  *mean = m;
  *var = sq / count;
}

// y = a * (x - m) + b over one channel's planes (subtracting first keeps large means exact).
void channel_normalise(int n, int c, int s, const float* x, int ch, float m, float a, float b, float* y) {
  for (int img = 0; img < n; ++img) {
    const float* xp = plane(x, img, c, ch, s);
    float* yp = plane(y, img, c, ch, s);
    for (int i = 0; i < s; ++i) yp[i] = a * (xp[i] - m) + b;
  }
}

}  // namespace

void batchnorm_forward_train(int n, int c, int s,
                             const float* x,      // (N, C, S)
                             const float* gamma,  // (C)
                             const float* beta,   // (C)
                             float eps, float momentum,
                             float* y,             // (N, C, S)
                             float* save_mean,     // (C)
                             float* save_inv_std,  // (C)
                             float* running_mean,  // (C) or nullptr
                             float* running_var) { // (C) or nullptr
  const double count = (double)n * s;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(n, c, s))
  for (int ch = 0; ch < c; ++ch) {
    double mean = 0.0, var = 0.0;
    channel_moments(n, c, s, x, ch, &mean, &var);
    const double inv_std = 1.0 / std::sqrt(var + (double)eps);
    save_mean[ch] = (float)mean;
    save_inv_std[ch] = (float)inv_std;
    channel_normalise(n, c, s, x, ch, (float)mean, (float)((double)gamma[ch] * inv_std), beta[ch], y);
    if (running_mean && running_var) {
      const double unbiased = count > 1 ? var * count / (count - 1) : var;
      running_mean[ch] = (float)((1.0 - momentum) * running_mean[ch] + momentum * mean);
      running_var[ch] = (float)((1.0 - momentum) * running_var[ch] + momentum * unbiased);
    }
  }
}

void batchnorm_forward_eval(int n, int c, int s,
                            const float* x,             // (N, C, S)
                            const float* gamma,         // (C)
                            const float* beta,          // (C)
                            const float* running_mean,  // (C)
                            const float* running_var,   // (C)
                            float eps,
                            float* y) {                 // (N, C, S)
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(n, c, s))
  for (int ch = 0; ch < c; ++ch) {
    const double a = (double)gamma[ch] / std::sqrt((double)running_var[ch] + (double)eps);
    channel_normalise(n, c, s, x, ch, running_mean[ch], (float)a, beta[ch], y);
  }
}

void batchnorm_backward(int n, int c, int s,
                        const float* x,             // (N, C, S): forward input
                        const float* gamma,         // (C)
                        const float* save_mean,     // (C)
                        const float* save_inv_std,  // (C)
                        const float* dy,            // (N, C, S)
                        float* dx,                  // (N, C, S) or nullptr
                        float* dgamma,              // (C)
                        float* dbeta,               // (C)
                        bool accumulate) {
  const double count = (double)n * s;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (worth_parallel(n, c, s))
  for (int ch = 0; ch < c; ++ch) {
    const double mean = save_mean[ch], inv_std = save_inv_std[ch];
    double sum_dy = 0.0, sum_dy_xhat = 0.0;
    for (int img = 0; img < n; ++img) {
      const float* xp = plane(x, img, c, ch, s);
      const float* dyp = plane(dy, img, c, ch, s);
      for (int i = 0; i < s; ++i) {
        sum_dy += dyp[i];
        sum_dy_xhat += (double)dyp[i] * ((xp[i] - mean) * inv_std);
      }
    }
    dgamma[ch] += (float)sum_dy_xhat;
    dbeta[ch] += (float)sum_dy;
    if (!dx) continue;
    // dx = k * (dy - mean_dy - xhat * mean_dy_xhat), k = gamma * inv_std, written as
    // a * dy + b * (x - mean) + d with the per-channel constants folded once.
    const double k = (double)gamma[ch] * inv_std;
    const double mean_dy = sum_dy / count, mean_dy_xhat = sum_dy_xhat / count;
    const float a = (float)k, b = (float)(-k * mean_dy_xhat * inv_std), d = (float)(-k * mean_dy);
    const float m = (float)mean;
    for (int img = 0; img < n; ++img) {
      const float* xp = plane(x, img, c, ch, s);
      const float* dyp = plane(dy, img, c, ch, s);
      float* dxp = plane(dx, img, c, ch, s);
      if (accumulate) for (int i = 0; i < s; ++i) dxp[i] += a * dyp[i] + b * (xp[i] - m) + d;
      else for (int i = 0; i < s; ++i) dxp[i] = a * dyp[i] + b * (xp[i] - m) + d;
    }
  }
}

}  // namespace cnn
