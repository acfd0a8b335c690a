// Per-layer gradient norms for the metrics log (`gradNorms`): the L2 norm of each layer's
// weight gradient from the last backward, summed in double. One read of the gradient array,
// about the cost of one SGD update; the trainer samples it every few steps only.
#include <cmath>

#include "net/network.h"

namespace cnn {

void Network::weight_grad_norms(double* out) const {
  for (size_t i = 0; i < layers_.size(); ++i) {
    const LayerDesc& d = layers_[i]->desc;
    const float* g = cfg_.grads + (d.weight_size ? d.weight_offset : 0);
    double sum = 0;
    for (size_t k = 0; k < d.weight_size; ++k) sum += (double)g[k] * g[k];
    out[i] = std::sqrt(sum);
  }
}

}  // namespace cnn
