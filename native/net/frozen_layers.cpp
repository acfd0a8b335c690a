// Frozen layers (transfer learning: `cnn train --freeze`). A frozen layer keeps its parameters
// bitwise: apply_update skips it, and its weight and bias gradients are zero. Backward stops
// early where it can: an output needs a gradient only if some trainable parameter lies at or
// before it, so with the first layers frozen their backward passes (weights and data) are
// skipped altogether. A frozen layer runs its evaluation behaviour in training too (the
// network's forward); a frozen batchnorm's backward is in layers/batchnorm.cpp.

#include "net/network.h"

namespace cnn {

namespace {
bool trainable(const LayerDesc& d) { return !d.frozen && (d.weight_size > 0 || d.bias_size > 0); }
}  // namespace

// Layers are in topological order (producers before consumers), so one forward pass suffices.
void Network::mark_gradient_paths() {
  for (auto& L : layers_) {
    bool needed = trainable(L->desc);
    for (int p : L->desc.inputs)
      if (p >= 0 && layers_[(size_t)p]->grad_needed) needed = true;
    L->grad_needed = needed;
  }
}

}  // namespace cnn
