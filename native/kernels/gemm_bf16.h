// Mixed-precision GEMM, row-major, with the contract of sgemm (gemm.h):
//   C = alpha * op(A) * op(B) + beta * C
// except that every element of op(A) and op(B) is first rounded to bfloat16 (to nearest,
// ties to even; bf16.h) and the products are summed in fp32. A and B stay fp32 in memory:
// the rounding happens while they are packed. Paths: "amx" (Intel AMX tiles), "avx512bf16"
// (vdpbf16ps) and "portable" (fp32 arithmetic on the rounded values, for any CPU). Each
// path sums pairs of products along K in its own order, so paths agree to fp32 rounding,
// not bitwise; one path gives the same bits whatever the thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include "kernels/gemm_output.h"

namespace cnn {

void sgemm_bf16(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                int ldb, float beta, float* C, int ldc);

// Same contract, never opens a parallel region.
void sgemm_bf16_serial(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                       const float* B, int ldb, float beta, float* C, int ldc);

// An operand supplied by the caller instead of read from memory. As B: pack() writes columns
// [r0, r0 + count) and K rows [p0, p0 + kc) of B, rounded to bf16, as ceil(count / width)
// panels of (kc2, width, 2) pairs (gemm_bf16_kernel.h). As A (sgemm_bf16_serial_sourced_a):
// rows [r0, r0 + count) and K columns [p0, p0 + kc) of A as ceil(count / width) row-major
// panels of (width, kc2, 2) pairs, each row's pairs contiguous. Zero past count, kc and in the
// padding pairs. Convolutions use it to write their column matrix straight from the input
// (conv2d_implicit.cpp).
class Bf16PanelSource {
 public:
  virtual void pack(int r0, int p0, int count, int kc, int width, int kc2, uint16_t* out) const = 0;

 protected:
  ~Bf16PanelSource() = default;
};

// C = alpha * A * B + beta * C (A not transposed) on the calling thread, B from `b`. The
// K slices and every sum are those of sgemm_bf16_serial, so the results are bitwise the
// same as multiplying the matrix the source describes.
void sgemm_bf16_serial_sourced_b(int M, int N, int K, float alpha, const float* A, int lda, const Bf16PanelSource& b,
                                 float beta, float* C, int ldc);

// C = alpha * A * op(B) + beta * C on the calling thread, A from `a` (row-major panels); the
// K slices and every sum are those of sgemm_bf16_serial on the matrix the source describes.
void sgemm_bf16_serial_sourced_a(int M, int N, int K, float alpha, const Bf16PanelSource& a, bool trans_b,
                                 const float* B, int ldb, float beta, float* C, int ldc);

// A used by many products (a convolution's filters, image after image), rounded and packed
// once: gemm_bf16_pack_a writes A (M, K), not transposed, in the layout the path in use reads
// it, gemm_bf16_packed_a_elements(M, K) elements (enough for any path), and
// sgemm_bf16_serial_packed_a multiplies by it with the blocks and sums of
// sgemm_bf16_serial_sourced_b, so the results are the same bits. A itself must stay readable:
// the fallback when packing memory is short reads it. Pack and multiply on one path.
// C is where `out` says (gemm_output.h): in blocks, and with a ReLU at the end, if asked.
size_t gemm_bf16_packed_a_elements(int M, int K);
void gemm_bf16_pack_a(int M, int K, const float* A, int lda, uint16_t* out);
void sgemm_bf16_serial_packed_a(int M, int N, int K, float alpha, const float* A, int lda, const uint16_t* packed_a,
                                const Bf16PanelSource& b, float beta, const GemmOutput& out);

// Columns of one packed panel of B for the bf16 path in use (its micro-kernel's NR).
int gemm_bf16_panel_columns();

// True where the path in use rounds with AVX512-BF16's conversion (every path but "portable"):
// a source then packs with the same instruction, so its values match the path's own packer.
bool gemm_bf16_vector_packing();

// The bf16 path in use: the fastest this CPU (and, for AMX, the operating system) allows,
// chosen at first use; CNN_GEMM_PATH may name one of the bf16 paths (or "portable") to force it.
const char* gemm_bf16_path();
// Forces a path at run time (tests exercise every path); false if this machine cannot run it.
bool set_gemm_bf16_path(const char* name);

}  // namespace cnn
