// The arithmetic a network's convolutions and dense layers use. fp32: every product in fp32.
// bf16 (mixed precision, as torch.autocast's bfloat16): each GEMM's operands (activations,
// weights, output gradients) are rounded to bfloat16 to nearest, ties to even, while they are
// packed, and the products are summed in fp32 (gemm_bf16.h); everything else (parameters,
// momentum, batch-norm statistics, the loss, the other layers) stays fp32.
#pragma once

namespace cnn {

enum class Precision { fp32, bf16 };

const char* precision_name(Precision p);                 // "fp32", "bf16"
bool parse_precision(const char* name, Precision* out);  // false for any other name

// The GEMM a precision multiplies with: the parallel one and the one that never opens a
// parallel region (same contract as sgemm in gemm.h).
using GemmFn = void (*)(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                        const float* B, int ldb, float beta, float* C, int ldc);
GemmFn gemm_of(Precision p);
GemmFn serial_gemm_of(Precision p);

}  // namespace cnn
