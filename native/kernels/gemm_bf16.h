// Mixed-precision GEMM, row-major, with the contract of sgemm (gemm.h):
//   C = alpha * op(A) * op(B) + beta * C
// except that every element of op(A) and op(B) is first rounded to bfloat16 (to nearest,
// ties to even; bf16.h) and the products are summed in fp32. A and B stay fp32 in memory:
// the rounding happens while they are packed. Paths: "amx" (Intel AMX tiles), "avx512bf16"
// (vdpbf16ps) and "portable" (fp32 arithmetic on the rounded values, for any CPU). Each
// path sums pairs of products along K in its own order, so paths agree to fp32 rounding,
// not bitwise; one path gives the same bits whatever the thread count.
#pragma once

namespace cnn {

void sgemm_bf16(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                int ldb, float beta, float* C, int ldc);

// Same contract, never opens a parallel region.
void sgemm_bf16_serial(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                       const float* B, int ldb, float beta, float* C, int ldc);

// The bf16 path in use: the fastest this CPU (and, for AMX, the operating system) allows,
// chosen at first use; CNN_GEMM_PATH may name one of the bf16 paths (or "portable") to force it.
const char* gemm_bf16_path();
// Forces a path at run time (tests exercise every path); false if this machine cannot run it.
bool set_gemm_bf16_path(const char* name);

}  // namespace cnn
