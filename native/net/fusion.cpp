// Which layers training fuses (see LayerState::fused_relu): a batchnorm, add or conv2d whose
// output only one layer reads, a relu reading nothing else. A frozen batchnorm is left alone:
// it normalises with its running statistics and keeps its own backward.
// Fusion changes no number (the fused kernels are bitwise the two layers in sequence), only
// how often memory is read; CNN_FUSE_RELU=0 in the environment turns it off (to compare, or
// to profile the layers apart).
#include <cstdlib>
#include <cstring>

#include "net/network.h"

namespace cnn {

namespace {
bool fusion_enabled() {
  const char* v = std::getenv("CNN_FUSE_RELU");
  return !(v && std::strcmp(v, "0") == 0);
}

bool fusable_producer(const LayerDesc& d) {
  return (d.kind == LayerKind::BatchNorm && !d.frozen) || d.kind == LayerKind::Add || d.kind == LayerKind::Conv2d;
}
}  // namespace

void Network::plan_fusion() {
  for (LayerState& L : layers_) { L.fused_relu = -1; L.fused_into_producer = false; }
  if (!fusion_enabled()) return;
  std::vector<int> consumers(layers_.size(), 0);
  for (const LayerState& L : layers_)
    for (int p : L.desc.inputs)
      if (p >= 0) ++consumers[(size_t)p];
  for (size_t i = 0; i < layers_.size(); ++i) {
    LayerState& relu = layers_[i];
    const LayerDesc& d = relu.desc;
    if (d.kind != LayerKind::Relu || d.frozen || d.inputs.size() != 1 || d.inputs[0] < 0) continue;
    LayerState& producer = layers_[(size_t)d.inputs[0]];
    if (!fusable_producer(producer.desc) || consumers[(size_t)d.inputs[0]] != 1) continue;
    producer.fused_relu = (int)i;
    relu.fused_into_producer = true;
  }
}

}  // namespace cnn
