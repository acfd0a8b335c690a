// Direct convolution for layers with few channels (LeNet's, the first layer of CIFAR nets),
// where im2col + GEMM spends most of its time building and scattering column matrices and
// the GEMM's vectors run half empty. conv2d.cpp calls these from its entry points when
// use_direct says so; the contracts are conv2d.h's.
#pragma once
#include <cstddef>
#include "kernels/conv2d.h"

namespace cnn {

// Shapes the direct kernels handle at all (any stride 1 or 2, any padding, kernels up to 11).
bool direct_supported(const Conv2dShape& s);
// Backward-data runs as a direct forward convolution of dy with the flipped filters: stride
// 1 and padding below the kernel size.
bool direct_backward_data_supported(const Conv2dShape& s);

enum class ConvOp { forward, backward_data, backward_weights };

// Whether conv2d.cpp's entry point for `op` takes the direct path: by thresholds measured
// on this project's layer shapes (conv2d_direct.cpp), or as forced by CNN_CONV_PATH=gemm|direct
// (read once) or set_conv_path; "direct" still needs a shape the direct kernels support.
bool use_direct(const Conv2dShape& s, ConvOp op);

// Whether conv2d.cpp's entry point for `op`, having not taken the direct path, takes the
// implicit-GEMM one (conv2d_implicit.h) rather than im2col + GEMM: wherever that path
// supports the shape, unless CNN_CONV_PATH / set_conv_path chose "gemm".
bool use_implicit(const Conv2dShape& s, ConvOp op);

// "auto" (the thresholds), "gemm" (im2col + GEMM only), "direct" or "implicit" (each where
// it supports the shape, im2col + GEMM elsewhere); set_conv_path returns false for other names.
const char* conv_path();
bool set_conv_path(const char* name);

// Scratch floats of the direct path for `threads` threads (0 if the shape is unsupported).
size_t conv2d_direct_workspace_floats(const Conv2dShape& s, int threads);

// relu: y = relu(conv + b), image by image (conv2d_forward_relu).
void conv2d_direct_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                           float* workspace, bool relu = false);
void conv2d_direct_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                                 float* workspace);
void conv2d_direct_backward_weights(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* db,
                                    float* workspace);

}  // namespace cnn
