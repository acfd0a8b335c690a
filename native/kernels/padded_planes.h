// Zero-bordered copies of image planes, so convolution kernels read receptive fields
// without bounds checks. Shared by the direct and implicit-GEMM convolutions.
#pragma once
#include <cstddef>
#include <cstring>

namespace cnn {

// The interior of a zero-bordered plane buffer (planes, rows + 2*top, cols + 2*left) <- src
// (planes, rows, cols); the border is zeroed once by the caller and never written here.
inline void pad_planes_into(const float* src, int planes, int rows, int cols, int top, int left, float* dst) {
  const size_t wp = (size_t)cols + 2 * left, plane = ((size_t)rows + 2 * top) * wp;
  for (int c = 0; c < planes; ++c)
    for (int r = 0; r < rows; ++r)
      std::memcpy(dst + c * plane + (r + top) * wp + left, src + ((size_t)c * rows + r) * cols, sizeof(float) * cols);
}

}  // namespace cnn
