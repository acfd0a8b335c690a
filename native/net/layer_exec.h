// Per-kind forward and backward of one layer of the native network: the dispatch from a
// LayerState to the kernels. Buffers come from the network's plan; nothing is allocated.
#pragma once
#include "net/network.h"

namespace cnn {

// Derives the kernel shapes (conv, pool, activation kind) of a validated layer, once.
void prepare_layer(LayerState& L);

// L.out = layer(x), for the first n images.
void layer_forward(LayerState& L, int n,
                   const float* params,  // (param_count)
                   const float* x,       // (n, in C, H, W)
                   float* workspace);    // conv scratch

// From L.dout: parameter gradients += into grads, and the input gradient into dx
// (= when !accumulate, += when accumulate; dx == nullptr: the input needs no gradient).
void layer_backward(LayerState& L, int n,
                    const float* params,  // (param_count)
                    float* grads,         // (param_count)
                    const float* x,       // (n, in C, H, W): the layer's forward input
                    float* dx,            // (n, in C, H, W) or nullptr
                    bool accumulate,
                    float* workspace,     // conv scratch
                    float* scratch);      // subsample: (n, C, OH, OW)

}  // namespace cnn
