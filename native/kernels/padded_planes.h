// Zero-bordered copies of image planes, so convolution kernels read receptive fields
// without bounds checks. Shared by the direct and implicit-GEMM convolutions.
#pragma once
#include <cstddef>
#include <cstring>

namespace cnn {

// n floats; rows are short (often 8-32 floats), where a call to memcpy per row cost more
// than the copy: blocks of a constant size are copied inline.
inline void copy_row(float* dst, const float* src, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) std::memcpy(dst + i, src + i, 8 * sizeof(float));
  for (; i < n; ++i) dst[i] = src[i];
}

// The interior of a zero-bordered plane buffer (planes, rows + 2*top, cols + 2*left) <- src
// (planes, rows, cols); the border is zeroed once by the caller and never written here.
inline void pad_planes_into(const float* src, int planes, int rows, int cols, int top, int left, float* dst) {
  const size_t wp = (size_t)cols + 2 * left, plane = ((size_t)rows + 2 * top) * wp;
  for (int c = 0; c < planes; ++c)
    for (int r = 0; r < rows; ++r)
      copy_row(dst + c * plane + (r + top) * wp + left, src + ((size_t)c * rows + r) * cols, cols);
}

// A padded row split into `phases` phases of `phase` elements each (padded column x at
// (x % phases) * phase + x / phases) <- the `cols` elements of `in` from padded column
// `left` on; the border columns are not written.
template <class T>
inline void scatter_row_into_phases(const T* in, int cols, int left, int phases, size_t phase, T* row) {
  for (int f = 0; f < phases; ++f) {  // phase f holds columns f, f + phases, ...: x = q * phases + f - left
    const int first = f >= left ? 0 : (left - f + phases - 1) / phases;  // first q with x >= 0
    T* out = row + (size_t)f * phase;
    for (int q = first, x = q * phases + f - left; x < cols; ++q, x += phases) out[q] = in[x];
  }
}

// The interior of a zero-bordered buffer whose rows are split into phases as above (planes
// of `plane` floats) <- src (planes, rows, cols); the border is zeroed by the caller, as
// above. With one phase it is pad_planes_into.
inline void pad_planes_into_phases(const float* src, int planes, int rows, int cols, int top, int left, int phases,
                                   size_t phase, size_t plane, float* dst) {
  if (phases == 1) return pad_planes_into(src, planes, rows, cols, top, left, dst);
  const size_t wp = (size_t)phases * phase;
  for (int c = 0; c < planes; ++c)
    for (int r = 0; r < rows; ++r)
      scatter_row_into_phases(src + ((size_t)c * rows + r) * cols, cols, left, phases, phase,
                              dst + c * plane + (r + top) * wp);
}

}  // namespace cnn
