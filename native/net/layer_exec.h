// Per-kind forward and backward of one layer of the native network: the dispatch from a
// LayerState to the kernels. Buffers come from the network's plan; nothing is allocated.
#pragma once
#include <cstdint>

#include "net/network.h"

namespace cnn {

// Derives the kernel shapes (conv, pool, activation kind) of a validated layer, once.
void prepare_layer(LayerState& L);

// L.out = layer(io.x), for the first n images. train selects batch statistics (which also
// update batchnorm's running statistics in params) and dropout masks drawn from seed.
void layer_forward(LayerState& L, int n,
                   float* params,        // (param_count): written only for running statistics
                   const LayerIO& io,    // io.x: the inputs
                   float* workspace,     // conv scratch
                   bool train, uint32_t seed);

// From L.dout: parameter gradients += into grads, and each input's gradient into io.dx[k]
// (= when !io.accumulate[k], += when set; nullptr: that input needs no gradient). Only
// after a training forward.
void layer_backward(LayerState& L, int n,
                    const float* params,  // (param_count)
                    float* grads,         // (param_count)
                    const LayerIO& io,    // io.x: the forward inputs; io.dx: their gradients
                    float* workspace,     // conv scratch
                    float* scratch);      // subsample: (n, C, OH, OW)

// Training forward and backward of a batchnorm, add or conv2d (producer) fused with the
// relu that consumes it: forward writes relu.out (bitwise what the two layers give one after
// the other); backward reads relu.dout (and relu.out, the mask) and writes the producer's
// parameter gradients and its inputs' gradients io.dx. A convolution's backward first
// writes its own dout from the relu's, then runs as unfused: only its forward saves a pass.
void fused_relu_forward(LayerState& producer, LayerState& relu, int n, float* params, const LayerIO& io,
                        float* workspace);
void fused_relu_backward(LayerState& producer, LayerState& relu, int n, const float* params, float* grads,
                         const LayerIO& io, float* workspace);

}  // namespace cnn
