// Frozen layers (transfer learning: `cnn train --freeze`). A frozen layer keeps its parameters
// bitwise: apply_update skips it, and its weight and bias gradients are zero. Backward stops
// early where it can: an output needs a gradient only if some trainable parameter lies at or
// before it, so with the first layers frozen their backward passes (weights and data) are
// skipped altogether. A frozen batchnorm is an affine map with its running statistics in
// training as in evaluation (Keras's choice for frozen batch norm, not PyTorch's
// requires_grad=False, which keeps updating the statistics in train mode): the statistics the
// source model learnt stay as they were, and its backward is that affine map's.
#include <cmath>
#include <cstring>

#include "net/network.h"

namespace cnn {

namespace {
bool trainable(const LayerDesc& d) { return !d.frozen && (d.weight_size > 0 || d.bias_size > 0); }
}  // namespace

// Layers are in topological order (producers before consumers), so one forward pass suffices.
void Network::mark_gradient_paths() {
  for (LayerState& L : layers_) {
    bool needed = trainable(L.desc);
    for (int p : L.desc.inputs)
      if (p >= 0 && layers_[(size_t)p].grad_needed) needed = true;
    L.grad_needed = needed;
  }
}

// y = gamma * (x - running_mean) * inv_std + beta, inv_std = 1 / sqrt(running_var + eps):
// dx (=|+=) dy * gamma * inv_std. No parameter gradients (the layer is frozen).
void Network::frozen_batchnorm_backward(LayerState& L, int n, const LayerIO& io) {
  float* dx = io.dx[0];
  if (!dx) return;
  const LayerDesc& d = L.desc;
  const int c = d.in_shape.c;
  const size_t s = (size_t)d.in_shape.h * d.in_shape.w;
  const float* gamma = cfg_.params + d.weight_offset;            // (C)
  const float* running_var = cfg_.params + d.running_var_offset;  // (C)
  const float* dy = L.dout.data();                                // (N, C, S)
  for (int i = 0; i < n; ++i)
    for (int ch = 0; ch < c; ++ch) {
      const float scale = gamma[ch] / std::sqrt(running_var[ch] + d.eps);
      const size_t base = ((size_t)i * c + ch) * s;
      if (io.accumulate[0]) for (size_t k = 0; k < s; ++k) dx[base + k] += dy[base + k] * scale;
      else for (size_t k = 0; k < s; ++k) dx[base + k] = dy[base + k] * scale;
    }
}

}  // namespace cnn
