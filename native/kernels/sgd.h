// Stochastic gradient descent with momentum and L2 weight decay, PyTorch's formulation:
//   g = grad + weight_decay * p ;  v = momentum * v + g ;  p -= lr * v
#pragma once
#include <cstddef>

namespace cnn {

void sgd_update(size_t count,
                float* params,       // (count)
                const float* grads,  // (count)
                float* velocity,     // (count)
                float lr, float momentum, float weight_decay);

}  // namespace cnn
