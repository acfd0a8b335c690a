// Which layers training fuses (see Layer::fused_relu): a layer whose kind fuses a relu
// (Layer::fuses_relu) and whose output only one layer reads, a relu reading nothing else.
// Fusion changes no number (the fused kernels are bitwise the two layers in sequence), only
// how often memory is read; NetworkConfig::fuse_relu false turns it off (to compare, or to
// profile the layers apart).
#include "net/network.h"

namespace cnn {

void Network::plan_fusion() {
  for (auto& L : layers_) {
    L->fused_relu = -1;
    L->fused_into_producer = false;
  }
  if (!cfg_.fuse_relu) return;
  std::vector<int> consumers(layers_.size(), 0);
  for (const auto& L : layers_)
    for (int p : L->desc.inputs)
      if (p >= 0) ++consumers[(size_t)p];
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& relu = *layers_[i];
    const LayerDesc& d = relu.desc;
    if (!relu.is_relu() || d.frozen || d.inputs.size() != 1 || d.inputs[0] < 0) continue;
    Layer& producer = *layers_[(size_t)d.inputs[0]];
    if (!producer.fuses_relu() || consumers[(size_t)d.inputs[0]] != 1) continue;
    producer.fused_relu = (int)i;
    relu.fused_into_producer = true;
  }
}

}  // namespace cnn
