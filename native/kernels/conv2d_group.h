// How the GEMM convolution paths (conv2d.cpp's im2col and conv2d_implicit.cpp's packed
// columns) batch images: several images' column matrices side by side make one wider GEMM
// when output planes are small, and the group buffers get a row stride that avoids L1
// set conflicts.
#pragma once
#include "kernels/conv2d.h"

namespace cnn {

// A 1x1, stride-1, unpadded convolution reads x (C, H*W) directly as its column matrix.
bool conv_is_pointwise(const Conv2dShape& s);

// Images per GEMM for this shape (never depends on the thread count).
int conv_group_images(const Conv2dShape& s);

// Row stride of a group buffer with `columns` columns.
int conv_group_ld(int columns);

}  // namespace cnn
