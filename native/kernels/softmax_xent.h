// Softmax followed by cross-entropy against integer labels, fused because the gradient of
// the pair is simply (p - onehot) / N. Dimension names: N batch, K classes.
#pragma once
#include <cstdint>

namespace cnn {

struct LossResult {
  double loss_sum;  // sum over the batch of -log p[label]
  int correct;      // how many argmax(logits) == label
};

// probs = softmax(logits); dlogits = (probs - onehot(labels)) / N when dlogits != nullptr.
// Labels must lie in [0, K): the caller checks.
LossResult softmax_cross_entropy(int n, int k,
                                 const float* logits,     // (N, K)
                                 const int32_t* labels,   // (N)
                                 float* probs,            // (N, K)
                                 float* dlogits);         // (N, K) or nullptr

}  // namespace cnn
