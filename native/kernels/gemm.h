// Single-precision GEMM, row-major: C = alpha * op(A) * op(B) + beta * C
//   op(A) is (M, K): A is (M, K) with row stride lda, or (K, M) when trans_a
//   op(B) is (K, N): B is (K, N) with row stride ldb, or (N, K) when trans_b
//   C is (M, N) with row stride ldc
// beta == 0 overwrites C (NaNs in C are not propagated), beta == 1 accumulates.
// Parallel over tiles of C with cnn::num_threads() unless called with threads == 1
// from inside a region that is already parallel (see sgemm_serial).
#pragma once
#include "kernels/gemm_output.h"
#include <cstddef>

namespace cnn {

void sgemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
           int ldb, float beta, float* C, int ldc);

// Same contract, never opens a parallel region: for callers that parallelise outside.
void sgemm_serial(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                  int ldb, float beta, float* C, int ldc);

// Columns of one packed panel of B for the path in use (its micro-kernel's NR).
int gemm_panel_columns();

// C = alpha * A * B + beta * C (A not transposed) on the calling thread, with B supplied
// already packed, so the GEMM skips its own copy of B: the caller writes B once, straight
// in this layout (convolution's column matrices, conv2d_implicit.cpp). Bp holds
// ceil(N / NR) panels, NR = gemm_panel_columns() read in the same call; panel q, at
// Bp + q * K * NR, is columns q*NR .. q*NR + NR - 1 of B as a row-major (K, NR) block,
// its lanes past N finite (zero, say). The sums run in the same order as sgemm_serial's.
// C is where `out` says (gemm_output.h): in blocks, and with a ReLU at the end, if asked.
void sgemm_serial_packed_b(int M, int N, int K, float alpha, const float* A, int lda, const float* Bp, float beta,
                           const GemmOutput& out);

// Which micro-kernel path is in use: "avx512", "avx2" or "portable". Chosen once from
// the CPU's features; CNN_GEMM_PATH=avx512|avx2|portable forces one (ignored if the CPU
// lacks the instructions).
const char* gemm_path();
// Force a path at run time (tests exercise every path); returns false if unsupported.
bool set_gemm_path(const char* name);

}  // namespace cnn
