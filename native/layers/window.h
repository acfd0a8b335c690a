// The sliding-window settings shared by conv2d, the poolings and subsample (as
// src/layers/window.ts): kernel, stride and padding as [h, w].
#pragma once
#include <string>

#include "layers/layer.h"

namespace cnn {

struct Window {
  int kernel[2] = {1, 1}, stride[2] = {1, 1}, pad[2] = {0, 0};

  // kernel is required; stride defaults to 1 (stride_is_kernel false, convolution) or to the
  // kernel (pooling), as the layer specs do; pad defaults to 0.
  void parse(LayerOptions& options, const char* kind, bool stride_is_kernel);
  // kernel, stride and padding in range; a pooling window (pooling) must always see at
  // least one real input value, as PyTorch requires.
  std::string check(bool pooling) const;
};

}  // namespace cnn
