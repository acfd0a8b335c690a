// The per-instruction-set half of the GEMM engine: what one path (AVX-512, AVX2+FMA,
// portable) supplies to the shared blocking driver in gemm.cpp. Each path lives in its own
// translation unit built with its own -m flags; the driver only reaches it through the
// GemmKernel table, so baseline code never runs an instruction the CPU may lack.
//
// Packed layouts (MR, NR: the register block; kc: the K block):
//   Ap: ceil(mc / MR) panels, each (kc, MR): for every k, MR consecutive rows of op(A),
//       rows past mc zero-filled.
//   Bp: ceil(nc / NR) panels, each (kc, NR): for every k, NR consecutive columns of op(B),
//       columns past nc zero-filled.
#pragma once

namespace cnn {

struct GemmKernel {
  const char* name;
  int mr, nr;      // register block: the micro-kernel computes an (MR, NR) tile of C
  int kc, mc, nc;  // cache blocks: K slice, rows of A packed at once, columns of B packed at once

  // Ap <- op(A)[i0 : i0+mc, p0 : p0+kc]; A is (M, K) with row stride lda, or (K, M) when trans.
  void (*pack_a)(bool trans, const float* A, int lda, int i0, int p0, int mc, int kc, float* Ap);
  // Bp <- op(B)[p0 : p0+kc, j0 : j0+nc]; B is (K, N) with row stride ldb, or (N, K) when trans.
  void (*pack_b)(bool trans, const float* B, int ldb, int p0, int j0, int kc, int nc, float* Bp);
  // C[0:mr, 0:nr] = alpha * Ap Bp + beta * C, for one (kc, MR) panel of Ap and one panel
  // of NR columns of B with row stride ldb: a packed (kc, NR) panel (ldb == NR) or B itself
  // read in place. All NR columns are read (packed panels are zero-padded); mr <= MR and
  // nr <= NR bound what is written. beta == 0 writes C without reading it.
  void (*micro)(int kc, const float* Ap, const float* Bp, int ldb, float* C, int ldc, int mr, int nr, float alpha,
                float beta);
};

const GemmKernel& gemm_kernel_avx512();    // gemm_avx512.cpp
const GemmKernel& gemm_kernel_avx2();      // gemm_avx2.cpp
const GemmKernel& gemm_kernel_portable();  // gemm_portable.cpp

}  // namespace cnn
