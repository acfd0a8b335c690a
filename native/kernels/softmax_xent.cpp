// Softmax + cross-entropy over integer labels (see softmax_xent.h). Each row subtracts its
// maximum before exponentiating, so no logit can overflow exp; the log-probability of the
// label is then (z - max) - log(sum), which stays finite even when its probability
// underflows to 0. The batch is small (one row per image), so this runs serially and the
// loss sum, kept in double, is the same for any thread count.
// Label smoothing and class weights (torch's formula) take a separate loop, so the plain
// loss stays bitwise what it always was.
#include "kernels/softmax_xent.h"
#include <cmath>
#include <cstddef>

namespace cnn {
namespace {

// probs row = softmax(z); returns the argmax (first maximum wins) and sets max and log(sum).
int softmax_row(int k, const float* z, float* p, float* max_out, double* log_sum) {
  int best = 0;
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
  *max_out = max;
  *log_sum = std::log(sum);
  return best;
}

LossResult plain_loss(int n, int k, const float* logits, const int32_t* labels, float* probs, float* dlogits) {
  LossResult result{0.0, 0, (double)n};
  const float inv_n = 1.0f / (float)n;
  for (int i = 0; i < n; ++i) {
    const float* z = logits + (size_t)i * k;
    float* p = probs + (size_t)i * k;
    float max;
    double log_sum;
    const int best = softmax_row(k, z, p, &max, &log_sum);
    const int label = labels[i];
    result.loss_sum -= (double)z[label] - (double)max - log_sum;
    result.correct += best == label;
    if (dlogits) {
      float* d = dlogits + (size_t)i * k;
      for (int j = 0; j < k; ++j) d[j] = p[j] * inv_n;
      d[label] -= inv_n;
    }
  }
  return result;
}

// d loss_i / d z_i = [(1 - e) w[y] (p - onehot(y)) + e / K (sum_j w[j] p - w)] / W.
LossResult smoothed_weighted_loss(int n, int k, const float* logits, const int32_t* labels, float* probs,
                                  float* dlogits, const LossOptions& o) {
  const float* w = o.class_weights;
  auto weight = [w](int j) { return w ? (double)w[j] : 1.0; };
  const double e = o.label_smoothing, spread = e / k;
  double all_weights = 0.0;
  for (int j = 0; j < k; ++j) all_weights += weight(j);
  LossResult result{0.0, 0, 0.0};
  for (int i = 0; i < n; ++i) result.weight_sum += weight(labels[i]);
  const double inv_w = result.weight_sum > 0 ? 1.0 / result.weight_sum : 0.0;
  for (int i = 0; i < n; ++i) {
    const float* z = logits + (size_t)i * k;
    float* p = probs + (size_t)i * k;
    float max;
    double log_sum;
    const int best = softmax_row(k, z, p, &max, &log_sum);
    const int label = labels[i];
    double smooth = 0.0;  // sum_j w[j] * -log p[j]
    for (int j = 0; j < k; ++j) smooth -= weight(j) * ((double)z[j] - (double)max - log_sum);
    const double nll = -weight(label) * ((double)z[label] - (double)max - log_sum);
    result.loss_sum += (1.0 - e) * nll + spread * smooth;
    result.correct += best == label;
    if (dlogits) {
      float* d = dlogits + (size_t)i * k;
      const double on_label = (1.0 - e) * weight(label);
      for (int j = 0; j < k; ++j) {
        const double g =
            on_label * ((double)p[j] - (j == label ? 1.0 : 0.0)) + spread * (all_weights * p[j] - weight(j));
        d[j] = (float)(g * inv_w);
      }
    }
  }
  if (result.weight_sum == 0) result.loss_sum = 0;
  return result;
}

}  // namespace

LossResult softmax_cross_entropy(int n, int k,
                                 const float* logits,    // (N, K)
                                 const int32_t* labels,  // (N)
                                 float* probs,           // (N, K)
                                 float* dlogits,         // (N, K) or nullptr
                                 const LossOptions& options) {
  if (options.plain()) return plain_loss(n, k, logits, labels, probs, dlogits);
  return smoothed_weighted_loss(n, k, logits, labels, probs, dlogits, options);
}

}  // namespace cnn
