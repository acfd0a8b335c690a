// Read-only inspection of a native network after a forward pass: copies one layer's output
// (the activations `cnn viz maps` draws) into a JS Float32Array.
#pragma once
#include <napi.h>

#include "net/network.h"

namespace cnnbind {

// network.layerOutput(layer, n, out): out (n, C, H, W) receives the first n images of layer
// `layer`'s output from the last forward/evaluate. Checks every argument (TypeError /
// RangeError); the caller has checked that no step is running.
void copy_layer_output(const Napi::CallbackInfo& info, const cnn::Network& net);

}  // namespace cnnbind
