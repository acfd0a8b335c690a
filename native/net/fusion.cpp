// Which layers training fuses (see Layer::fused_relu): a layer whose kind fuses a relu
// (Layer::fuses_relu) and whose output only one layer reads, a relu reading nothing else; then
// a layer whose kind fuses a residual add (Layer::fuses_add_relu) with the add that follows
// it and reads it alone, the add's relu fused.
// Fusion changes no number (the fused kernels are bitwise the two layers in sequence), only
// how often memory is read; NetworkConfig::fuse_relu false turns it off (to compare, or to
// profile the layers apart).
#include "net/network.h"

namespace cnn {

void Network::plan_fusion() {
  for (auto& L : layers_) {
    L->fused_relu = -1;
    L->fused_add = -1;
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
  // Residual fusion: an add whose relu is fused and whose other input comes earlier, with the
  // layer just before it (a batchnorm, say) as one input, read by the add alone. Adjacent, so
  // no layer between them in backward's order writes the other input's gradient: the fused
  // backward writes it first, as the add's backward would.
  for (size_t i = 1; i < layers_.size(); ++i) {
    Layer& add = *layers_[i];
    const LayerDesc& d = add.desc;
    if (!add.is_add() || add.fused_relu < 0 || d.frozen || d.inputs.size() != 2) continue;
    const int before = (int)i - 1;
    if ((d.inputs[0] == before) == (d.inputs[1] == before)) continue;  // neither, or the layer added to itself
    Layer& producer = *layers_[(size_t)before];
    if (!producer.fuses_add_relu() || producer.fused_relu >= 0 || consumers[(size_t)before] != 1) continue;
    producer.fused_add = (int)i;
    add.fused_into_producer = true;
  }
}

}  // namespace cnn
