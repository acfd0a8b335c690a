// AdamW (see adamw.h): element-wise over the flat arrays, so any split over threads gives
// identical results. The bias corrections depend only on the step and are computed once, in
// double as Python computes them, then used in float as torch's kernels use them.
#include "kernels/adamw.h"
#include "kernels/parallel_range.h"

#include <cmath>

namespace cnn {

void adamw_update(size_t count,
                  float* params,       // (count)
                  const float* grads,  // (count)
                  float* exp_avg,      // (count)
                  float* exp_avg_sq,   // (count)
                  const AdamWSettings& s) {
  const double t = (double)s.step;
  const float decay = (float)(1.0 - (double)s.lr * (double)s.weight_decay);
  const float step_size = (float)((double)s.lr / (1.0 - std::pow((double)s.beta1, t)));
  const float correction2_sqrt = (float)std::sqrt(1.0 - std::pow((double)s.beta2, t));
  const float one_minus_beta1 = 1.0f - s.beta1, one_minus_beta2 = 1.0f - s.beta2;
  const float beta2 = s.beta2, eps = s.eps;
  for_each_range(count, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const float g = grads[i];
      const float p = params[i] * decay;
      const float m = exp_avg[i] + one_minus_beta1 * (g - exp_avg[i]);
      const float v = beta2 * exp_avg_sq[i] + one_minus_beta2 * g * g;
      exp_avg[i] = m;
      exp_avg_sq[i] = v;
      params[i] = p - step_size * (m / (std::sqrt(v) / correction2_sqrt + eps));
    }
  });
}

}  // namespace cnn
