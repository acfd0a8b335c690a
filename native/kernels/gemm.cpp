// Single-precision GEMM entry points (see gemm.h): trivial cases, then the division of C
// among threads. sgemm opens one OpenMP region and gives each thread one rectangle of C,
// cut along micro-tile boundaries on a grid chosen to balance the work and limit repacking;
// each thread runs the blocked engine (gemm_blocking.cpp) on its rectangle. Small problems
// stay on the calling thread: forking costs more than they do.
#include "kernels/gemm.h"
#include <algorithm>
#include <cstring>
#include "kernels/gemm_blocking.h"
#include "kernels/gemm_grid.h"
#include "kernels/threads.h"
#ifdef _OPENMP
#include <omp.h>
#endif

namespace cnn {

// Below this many multiply-adds a second thread costs more than it saves: the fork/join
// is then a large share of the product's own time.
static constexpr double kParallelMinMacs = 128.0 * 128.0 * 128.0;

// C (M, N, ldc) = beta * C, with beta == 0 writing zeros without reading C.
static void scale_c(int M, int N, float beta, float* C, int ldc) {
  if (beta == 1.0f) return;
  for (int i = 0; i < M; ++i) {
    float* c = C + (size_t)i * ldc;
    if (beta == 0.0f)
      std::memset(c, 0, sizeof(float) * N);
    else
      for (int j = 0; j < N; ++j) c[j] *= beta;
  }
}

// Thread t's rectangle of C (gemm_grid.h); bands hold whole micro-tiles.
static void run_thread_share(const GemmKernel& kern, const GemmProblem& p, int t, int threads) {
  const GemmRect r = gemm_thread_rect(p.M, p.N, p.K, kern.mr, kern.nr, t, threads);
  gemm_tile(kern, p, r.i0, r.i1, r.j0, r.j1);
}

// Handles the cases that need no multiplication; true if nothing is left to do.
static bool trivial(int M, int N, int K, float alpha, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return true;
  if (K > 0 && alpha != 0.0f) return false;
  scale_c(M, N, beta, C, ldc);
  return true;
}

void sgemm_serial(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                  int ldb, float beta, float* C, int ldc) {
  if (trivial(M, N, K, alpha, beta, C, ldc)) return;
  const GemmProblem p{trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc};
  gemm_tile(current_gemm_kernel(), p, 0, M, 0, N);
}

int gemm_panel_columns() { return current_gemm_kernel().nr; }

void sgemm_serial_packed_b(int M, int N, int K, float alpha, const float* A, int lda, const float* Bp, float beta,
                           const GemmOutput& out) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) return gemm_output_scale(M, N, beta, out);
  const GemmProblem p{false, false, M, N, K, alpha, A, lda, Bp, 0, beta, out.c, out.ldc, out};
  gemm_tile_packed_b(current_gemm_kernel(), p);
}

void sgemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
           int ldb, float beta, float* C, int ldc) {
  if (trivial(M, N, K, alpha, beta, C, ldc)) return;
  const GemmProblem p{trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc};
  const GemmKernel& kern = current_gemm_kernel();
  if ((double)M * N * K < kParallelMinMacs) return gemm_tile(kern, p, 0, M, 0, N);
  const int threads = num_threads();
  if (threads <= 1) return gemm_tile(kern, p, 0, M, 0, N);
#pragma omp parallel num_threads(threads)
  {
#ifdef _OPENMP
    run_thread_share(kern, p, omp_get_thread_num(), omp_get_num_threads());
#else
    run_thread_share(kern, p, 0, 1);
#endif
  }
}

}  // namespace cnn
