// AdamW (Loshchilov and Hutter 2019), torch.optim.AdamW's formulation without amsgrad:
//   p *= 1 - lr * weight_decay                        decoupled: the decay bypasses the moments
//   m  = m + (1 - beta1) * (g - m)                    first moment (torch's lerp)
//   v  = beta2 * v + (1 - beta2) * g * g              second moment
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// t is the 1-based count of updates so far, this one included (the bias corrections).
#pragma once
#include <cstddef>
#include <cstdint>

namespace cnn {

struct AdamWSettings {
  float lr = 0, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0;
  int64_t step = 1;  // t >= 1
};

void adamw_update(size_t count,
                  float* params,       // (count)
                  const float* grads,  // (count)
                  float* exp_avg,      // (count): m
                  float* exp_avg_sq,   // (count): v
                  const AdamWSettings& s);

}  // namespace cnn
