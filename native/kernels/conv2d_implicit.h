// 2-D convolution as a GEMM whose column matrix is written straight into the GEMM's packed
// panel layout (an implicit im2col): conv2d.cpp's im2col path writes the column matrix and
// the GEMM then copies it again into panels; here each image is copied once into a
// zero-bordered buffer and the panels are filled from it, so one pass over the columns
// goes. Backward-data (stride 1) runs as the same forward convolution of the padded output
// gradient with the filters flipped and their channels swapped, so col2im's scattered
// read-add-write goes too. conv2d.cpp calls these from its entry points when
// the layer's ConvAlgorithms say so (conv2d_algorithm.h); the contracts are conv2d.h's.
#pragma once
#include <cstddef>
#include "kernels/conv2d.h"
#include "kernels/precision.h"

namespace cnn {

// Shapes the implicit path handles: every convolution but the pointwise ones (1x1, stride
// 1, no padding), which need no column matrix at all.
bool implicit_forward_supported(const Conv2dShape& s);
// Backward-data as a forward convolution: stride 1, padding below the kernel size.
bool implicit_backward_data_supported(const Conv2dShape& s);

// Scratch floats of the implicit path (forward and backward-data) for `threads` threads;
// 0 if neither is supported.
size_t conv2d_implicit_workspace_floats(const Conv2dShape& s, int threads);

// relu: y = relu(conv + b), applied in the copy out of each group (conv2d_forward_relu).
// bf16: the panels are the bf16 GEMM's (gemm_bf16.h), written from the padded images for
// each K slice; the sums are those of the im2col algorithm's bf16 GEMM, so forward results
// are bitwise the same as im2col's in bf16 too.
void conv2d_implicit_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                             float* workspace, bool relu, Precision precision);
void conv2d_implicit_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                                   float* workspace, Precision precision);

}  // namespace cnn
