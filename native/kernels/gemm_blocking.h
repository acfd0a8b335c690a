// The shared, instruction-set independent half of the GEMM engine (baseline code): the
// BLIS-style loop nest that cuts one rectangle of C into cache blocks, packs A and B with
// the chosen path's packers and runs its micro-kernel on every register tile. Threading is
// decided a level up (gemm.cpp): each thread runs gemm_tile on its own rectangle of C.
#pragma once
#include <cstddef>
#include "kernels/gemm_kernel.h"
#include "kernels/gemm_output.h"

namespace cnn {

// One call's arguments, as in gemm.h.
struct GemmProblem {
  bool trans_a, trans_b;
  int M, N, K;
  float alpha;
  const float* A;  // (M, K) or (K, M) when trans_a, row stride lda
  int lda;
  const float* B;  // (K, N) or (N, K) when trans_b, row stride ldb
  int ldb;
  float beta;
  float* C;  // (M, N), row stride ldc
  int ldc;
  // gemm_tile_packed_b only: where C is (in column blocks) and whether a ReLU follows.
  GemmOutput out{nullptr, 0};
  float* c_at(int i, int j) const { return out.c ? out.at(i, j) : C + (size_t)i * ldc + j; }
};

// C[i0:i1, j0:j1] = alpha * op(A) op(B) + beta * C over that rectangle, on the calling
// thread, with its own packing buffers. Every element sums over K in the same order
// whatever the rectangle, so results do not depend on how C was divided between threads.
void gemm_tile(const GemmKernel& kern, const GemmProblem& p, int i0, int i1, int j0, int j1);

// All of C = alpha * op(A) B + beta * C on the calling thread, with p.B already packed:
// ceil(N / NR) panels of (K, NR), panel q at p.B + q * K * NR (see sgemm_serial_packed_b).
// Same blocking and summation order as gemm_tile.
void gemm_tile_packed_b(const GemmKernel& kern, const GemmProblem& p);

// The path in use (see gemm_path / set_gemm_path in gemm.h).
const GemmKernel& current_gemm_kernel();

}  // namespace cnn
