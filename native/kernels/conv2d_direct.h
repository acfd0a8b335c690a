// Direct convolution for layers with few channels (LeNet's, the first layer of CIFAR nets),
// where im2col + GEMM spends most of its time building and scattering column matrices and
// the GEMM's vectors run half empty. conv2d.cpp calls these from its entry points when
// the layer's ConvAlgorithms say so (conv2d_algorithm.h); the contracts are conv2d.h's.
#pragma once
#include <cstddef>
#include "kernels/conv2d.h"
#include "kernels/conv2d_algorithm.h"

namespace cnn {

// Shapes the direct kernels handle at all (any stride 1 or 2, any padding, kernels up to 11).
bool direct_supported(const Conv2dShape& s);
// Backward-data runs as direct forward convolutions of dy with the flipped filters, one per
// output phase at stride 2 (conv2d_direct_data_phases.h): padding below the kernel size, and
// at stride 2 every phase with filter taps and a window that starts at or above dy's first row.
bool direct_backward_data_supported(const Conv2dShape& s);

// Scratch floats of the direct path for `threads` threads (0 if the shape is unsupported).
size_t conv2d_direct_workspace_floats(const Conv2dShape& s, int threads);

// relu: y = relu(conv + b), image by image (conv2d_forward_relu).
void conv2d_direct_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                           float* workspace, bool relu = false);
void conv2d_direct_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                                 float* workspace);
// The same in bf16 (conv2d_direct_kernel.h's channel pairs): inputs and filters rounded to
// bf16, products summed in fp32.
void conv2d_direct_forward_bf16(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                                float* workspace, bool relu = false);
void conv2d_direct_backward_data_bf16(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                                      float* workspace);
void conv2d_direct_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* db,
                                    float* workspace);
// Backward-weights in bf16: 3x3 filters only (stride 1 or 2).
bool direct_bf16_backward_weights_supported(const Conv2dShape& s);
void conv2d_direct_backward_weights_bf16(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* db,
                                         float* workspace);

// Backward-weights and, with dx, backward-data in one pass over the images, in fp32 or bf16
// (both ops' direct kernels must apply, and direct_backward_in_one_pass): each image's dy is
// read once, masked by the ReLU's output relu_y when given (dy is then the ReLU's output
// gradient), and serves both ops while in cache. The results are bitwise those of the mask
// (activation_backward) and the two ops run one after the other.
bool direct_backward_in_one_pass(const Conv2dShape& s);  // the buffers of an image fit the cache
void conv2d_direct_backward(const Conv2dShape& s, bool bf16, const float* x, const float* dy, const float* relu_y,
                            const float* w, float* dw, float* db, float* dx, bool accumulate, float* workspace);

}  // namespace cnn
