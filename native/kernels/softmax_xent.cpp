// Softmax + cross-entropy over integer labels (see softmax_xent.h). Each row subtracts its
// maximum before exponentiating, so no logit can overflow exp; the log-probability of the
// label is then (z - max) - log(sum), which stays finite even when its probability
// underflows to 0. The batch is small (one row per image), so this runs serially and the
// loss sum, kept in double, is the same for any thread count.
#include "kernels/softmax_xent.h"
#include <cmath>
#include <cstddef>

namespace cnn {

LossResult softmax_cross_entropy(int n, int k,
                                 const float* logits,    // (N, K)
                                 const int32_t* labels,  // (N)
                                 float* probs,           // (N, K)
                                 float* dlogits) {       // (N, K) or nullptr
  LossResult result{0.0, 0};
  const float inv_n = 1.0f / (float)n;
  for (int i = 0; i < n; ++i) {
    const float* z = logits + (size_t)i * k;
    float* p = probs + (size_t)i * k;
    int best = 0;  // first maximum wins, as argmax conventionally does
    for (int j = 1; j < k; ++j)
      if (z[j] > z[best]) best = j;
    const float max = z[best];
    double sum = 0.0;
    for (int j = 0; j < k; ++j) {
      p[j] = std::exp(z[j] - max);
      sum += p[j];
    }
    const float inv_sum = (float)(1.0 / sum);
    for (int j = 0; j < k; ++j) p[j] *= inv_sum;
    const int label = labels[i];
    result.loss_sum -= (double)z[label] - (double)max - std::log(sum);
    result.correct += best == label;
    if (dlogits) {
      float* d = dlogits + (size_t)i * k;
      for (int j = 0; j < k; ++j) d[j] = p[j] * inv_n;
      d[label] -= inv_n;
    }
  }
  return result;
}

}  // namespace cnn
