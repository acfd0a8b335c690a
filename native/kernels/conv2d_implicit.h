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

// Backward-weights in bf16: every shape but the pointwise ones, at any stride.
bool implicit_backward_weights_supported(const Conv2dShape& s);

// Scratch floats of the implicit path (forward and backward-data) for `threads` threads;
// 0 if neither is supported.
size_t conv2d_implicit_workspace_floats(const Conv2dShape& s, int threads);

// relu: y = relu(conv + b), applied in the copy out of each group (conv2d_forward_relu).
// bf16: the panels are the bf16 GEMM's (gemm_bf16.h), written from the padded images for
// each K slice. With an odd channel count the sums are those of the im2col algorithm's bf16
// GEMM, so forward results are bitwise the same as im2col's; with an even one the images are
// paired by channel (conv2d_implicit_panel.h), the same products summed in another order.
void conv2d_implicit_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                             float* workspace, bool relu, Precision precision);
void conv2d_implicit_backward_data(const Conv2dShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                                   float* workspace, Precision precision);

// Backward-weights' product for a group of `count` images of x (conv2d_group.h), in bf16 and
// transposed: dw_t (CKK, OC) (=|+=) col rows^T, where rows (OC, count*P), row stride ld,
// holds the images' output gradients side by side. col is never written: it is the GEMM's
// A, whose row-major panels are each filter tap's output pixels, copied run by run from the
// zero-bordered images rounded to bf16 once; and the GEMM's rows (taps) are many where its
// columns (output channels) are few. Products commute and the K slices and their order are
// the im2col product's, so dw_t holds bitwise the transpose of what the im2col algorithm's
// bf16 product sums from the same start. conv2d.cpp runs it inside its backward-weights
// loop (threads, partial sums, db), turning dw around once per thread.
// `scratch` holds conv2d_implicit_weights_scratch_floats(s) floats.
size_t conv2d_implicit_weights_scratch_floats(const Conv2dShape& s);
void conv2d_implicit_backward_weights_product(const Conv2dShape& s, const float* x, int count, const float* rows,
                                              int ld, float* dw_t, bool accumulate, float* scratch);

}  // namespace cnn
