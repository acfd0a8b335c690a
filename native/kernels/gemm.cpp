// Single-precision GEMM entry points (see gemm.h): trivial cases, then the division of C
// among threads. sgemm opens one OpenMP region and gives each thread one rectangle of C,
// cut along micro-tile boundaries on a grid chosen to balance the work and limit repacking;
// each thread runs the blocked engine (gemm_blocking.cpp) on its rectangle. Small problems
// stay on the calling thread: forking costs more than they do.
#include "kernels/gemm.h"
#include <cstring>
#include "kernels/gemm_blocking.h"
#include "kernels/threads.h"
#ifdef _OPENMP
#include <omp.h>
#endif

namespace cnn {

// Below this many multiply-adds a second thread costs more than it saves: the fork/join
// is then a large share of the product's own time.
static constexpr double kParallelMinMacs = 128.0 * 128.0 * 128.0;

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

// C (M, N, ldc) = beta * C, with beta == 0 writing zeros without reading C.
static void scale_c(int M, int N, float beta, float* C, int ldc) {
  if (beta == 1.0f) return;
  for (int i = 0; i < M; ++i) {
    float* c = C + (size_t)i * ldc;
    if (beta == 0.0f) std::memset(c, 0, sizeof(float) * N);
    else for (int j = 0; j < N; ++j) c[j] *= beta;
  }
}

// How `threads` threads divide C: a grid of tm row bands by tn column bands.
struct Grid {
  int tm, tn;
};

// The grid that minimises the busiest thread's work: its tile area times K, plus the
// packing it repeats (its rows of A and its columns of B, each read once per K).
static Grid choose_grid(int M, int N, int K, int mr, int nr, int threads) {
  const int row_tiles = ceil_div(M, mr), col_tiles = ceil_div(N, nr);
  Grid best{1, threads};
  double best_cost = -1;
  for (int tm = 1; tm <= threads; ++tm) {
    if (threads % tm) continue;
    int tn = threads / tm;
    double rows = (double)ceil_div(row_tiles, tm) * mr, cols = (double)ceil_div(col_tiles, tn) * nr;
    double cost = rows * cols * K + 4.0 * (rows + cols) * K;
    if (best_cost < 0 || cost < best_cost) best = Grid{tm, tn}, best_cost = cost;
  }
  return best;
}

// Thread t's rectangle of C on the grid; bands hold whole micro-tiles.
static void run_thread_share(const GemmKernel& kern, const GemmProblem& p, int t, int threads) {
  Grid g = choose_grid(p.M, p.N, p.K, kern.mr, kern.nr, threads);
  const int ti = t / g.tn, tj = t % g.tn;
  const int row_tiles = ceil_div(p.M, kern.mr), col_tiles = ceil_div(p.N, kern.nr);
  auto band = [](int tiles, int parts, int idx, int unit, int limit, int* lo, int* hi) {
    int a = (int)((long long)tiles * idx / parts) * unit, b = (int)((long long)tiles * (idx + 1) / parts) * unit;
    *lo = a < limit ? a : limit;
    *hi = b < limit ? b : limit;
  };
  int i0, i1, j0, j1;
  band(row_tiles, g.tm, ti, kern.mr, p.M, &i0, &i1);
  band(col_tiles, g.tn, tj, kern.nr, p.N, &j0, &j1);
  gemm_tile(kern, p, i0, i1, j0, j1);
}

// Handles the cases that need no multiplication; true if nothing is left to do.
static bool trivial(int M, int N, int K, float alpha, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return true;
  if (K > 0 && alpha != 0.0f) return false;
  scale_c(M, N, beta, C, ldc);
  return true;
}

void sgemm_serial(bool trans_a, bool trans_b, int M, int N, int K, float alpha,
                  const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  if (trivial(M, N, K, alpha, beta, C, ldc)) return;
  const GemmProblem p{trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc};
  gemm_tile(current_gemm_kernel(), p, 0, M, 0, N);
}

int gemm_panel_columns() { return current_gemm_kernel().nr; }

void sgemm_serial_packed_b(int M, int N, int K, float alpha, const float* A, int lda, const float* Bp, float beta,
                           float* C, int ldc) {
  if (trivial(M, N, K, alpha, beta, C, ldc)) return;
  const GemmProblem p{false, false, M, N, K, alpha, A, lda, Bp, 0, beta, C, ldc};
  gemm_tile_packed_b(current_gemm_kernel(), p);
}

void sgemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha,
           const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc) {
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
