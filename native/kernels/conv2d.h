// 2-D convolution (cross-correlation, as PyTorch's Conv2d), NCHW.
// Dimension names: N batch, C input channels, H W input size, OC output channels,
// KH KW kernel size, SH SW stride, PH PW zero padding, OH = (H + 2PH - KH) / SH + 1, OW likewise.
#pragma once
#include <cstddef>

namespace cnn {

struct ConvAlgorithms;  // conv2d_algorithm.h: which algorithm runs each operation

struct Conv2dShape {
  int n, c, h, w;      // input
  int oc, kh, kw;      // filters
  int sh, sw, ph, pw;  // stride, padding
  int oh, ow;          // output, filled by conv2d_output_size
};

// Fills oh and ow; returns false if the output would be empty.
bool conv2d_output_size(Conv2dShape& s);

// Scratch floats the three functions below need: per thread, the column buffers of a group of
// images (several images share one wider GEMM when output planes are small) and the
// backward-weights partial sums.
size_t conv2d_workspace_floats(const Conv2dShape& s, int threads);

// Each entry point runs the algorithm `algo` names for it; the overloads without `algo` apply
// choose_conv_algorithms with the per-op setting (set_conv_path) on every call, for tests and
// benchmarks of single operations.

// y = conv(x, w) + b
void conv2d_forward(const Conv2dShape& s, const ConvAlgorithms& algo, const float* x, const float* w, const float* b,
                    float* y, float* workspace);
void conv2d_forward(const Conv2dShape& s,
                    const float* x,  // (N, C, H, W)
                    const float* w,  // (OC, C, KH, KW)
                    const float* b,  // (OC) or nullptr
                    float* y,        // (N, OC, OH, OW)
                    float* workspace);

void conv2d_forward_relu(const Conv2dShape& s, const ConvAlgorithms& algo, const float* x, const float* w,
                         const float* b, float* y, float* workspace);
// y = relu(conv(x, w) + b): conv2d_forward then a ReLU (bitwise the two in sequence), the
// ReLU applied to each image's output while it is still in cache instead of in a pass of
// its own over the batch (training fuses a convolution with the relu that is its only reader).
void conv2d_forward_relu(const Conv2dShape& s,
                         const float* x,  // (N, C, H, W)
                         const float* w,  // (OC, C, KH, KW)
                         const float* b,  // (OC) or nullptr
                         float* y,        // (N, OC, OH, OW)
                         float* workspace);

// dx (=|+=) conv_transpose(dy, w); accumulate selects += over =
void conv2d_backward_data(const Conv2dShape& s, const ConvAlgorithms& algo, const float* dy, const float* w, float* dx,
                          bool accumulate, float* workspace);
void conv2d_backward_data(const Conv2dShape& s,
                          const float* dy,  // (N, OC, OH, OW)
                          const float* w,   // (OC, C, KH, KW)
                          float* dx,        // (N, C, H, W)
                          bool accumulate, float* workspace);

// dw += sum over the batch of dy (x) im2col(x); db += sum of dy over N, OH, OW
void conv2d_backward_weights(const Conv2dShape& s, const ConvAlgorithms& algo, const float* x, const float* dy,
                             float* dw, float* db, float* workspace);
void conv2d_backward_weights(const Conv2dShape& s,
                             const float* x,   // (N, C, H, W)
                             const float* dy,  // (N, OC, OH, OW)
                             float* dw,        // (OC, C, KH, KW)
                             float* db,        // (OC) or nullptr
                             float* workspace);

// A layer's whole backward: backward-weights, then backward-data when dx is given. With
// relu_y, the convolution fed a ReLU whose output is relu_y: dy is the ReLU's output
// gradient, masked (activation_backward) into dy_masked (N, OC, OH, OW) before the two ops,
// or image by image in cache where both run the direct kernels on images whose buffers fit
// the cache (direct_backward_in_one_pass; dy_masked is then left as it was). The results are
// bitwise the same either way.
void conv2d_backward(const Conv2dShape& s, const ConvAlgorithms& algo, const float* x, const float* dy,
                     const float* relu_y, float* dy_masked, const float* w, float* dw, float* db, float* dx,
                     bool accumulate, float* workspace);
void conv2d_backward(const Conv2dShape& s, const float* x, const float* dy, const float* relu_y, float* dy_masked,
                     const float* w, float* dw, float* db, float* dx, bool accumulate, float* workspace);

}  // namespace cnn
