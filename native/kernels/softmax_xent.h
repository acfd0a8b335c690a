// Softmax followed by cross-entropy against integer labels, fused because the gradient of
// the pair is simply (p - onehot) / N. Dimension names: N batch, K classes.
// With options it is torch.nn.CrossEntropyLoss(weight=w, label_smoothing=e), mean reduction:
//   loss = sum_i [ (1 - e) * w[y_i] * -log p_i[y_i] + e / K * sum_j w[j] * -log p_i[j] ] / sum_i w[y_i]
// (without weights w is all ones and the divisor is N).
#pragma once
#include <cstdint>

namespace cnn {

struct LossResult {
  double loss_sum;    // the numerator above (plain: sum over the batch of -log p[label])
  int correct;        // how many argmax(logits) == label
  double weight_sum;  // the divisor above: sum of w[label] (plain: N); the loss is loss_sum / weight_sum
};

struct LossOptions {
  float label_smoothing = 0;             // e in [0, 1]
  const float* class_weights = nullptr;  // (K), each >= 0, or nullptr for all ones
  bool plain() const { return label_smoothing == 0 && class_weights == nullptr; }
};

// probs = softmax(logits); dlogits = the gradient of the loss (plain: (probs - onehot(labels)) / N)
// when dlogits != nullptr. Labels must lie in [0, K): the caller checks. When every label's
// weight is 0 the loss and dlogits are 0 (weight_sum 0).
LossResult softmax_cross_entropy(int n, int k,
                                 const float* logits,    // (N, K)
                                 const int32_t* labels,  // (N)
                                 float* probs,           // (N, K)
                                 float* dlogits,         // (N, K) or nullptr
                                 const LossOptions& options = LossOptions());

}  // namespace cnn
