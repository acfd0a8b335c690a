// Where a GEMM that writes straight into a convolution's output puts C (gemm.h's
// sgemm_serial_packed_b, gemm_bf16.h's sgemm_bf16_serial_packed_a). Row i, column j at
// c + i * ldc + j; with column blocks (block > 0: the images of a group, each its own
// (rows, block) matrix), column j at c + (j / block) * block_stride + i * ldc + j % block.
// The GEMMs' micro-tiles never straddle a block: callers make block a multiple of the
// path's panel width. relu: C = relu_of(C) once summed (activation.h's ReLU, applied to
// each finished tile while it is in cache), the bits of a ReLU pass over the finished C.
#pragma once
#include <cstddef>
#include "kernels/activation.h"

namespace cnn {

struct GemmOutput {
  float* c;
  int ldc;
  int block = 0;
  size_t block_stride = 0;
  bool relu = false;

  float* at(int i, int j) const {
    if (block == 0) return c + (size_t)i * ldc + j;
    return c + (size_t)(j / block) * block_stride + (size_t)i * ldc + j % block;
  }
};

// C = beta * C (M x N, where `out` puts it), then the ReLU if asked: what a GEMM with no
// multiplication to do (K = 0 or alpha = 0) leaves.
inline void gemm_output_scale(int M, int N, float beta, const GemmOutput& out) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float* c = out.at(i, j);
      *c = beta == 0.0f ? 0.0f : beta * *c;
      if (out.relu) *c = relu_of(*c);
    }
}

}  // namespace cnn
