// How the threads of one GEMM call divide C (baseline code, shared by the fp32 and bf16
// drivers): a grid of row bands by column bands, cut along micro-tile boundaries, chosen to
// balance the work and limit the packing each thread repeats.
#pragma once

namespace cnn {

struct GemmRect {
  int i0, i1, j0, j1;  // rows [i0, i1) and columns [j0, j1) of C
};

// Thread t's rectangle of an (M, N) C with inner dimension K, for `threads` threads and an
// (mr, nr) micro-tile. The grid minimises the busiest thread's work: its tile area times K,
// plus the packing it repeats (its rows of A and its columns of B, each read once per K).
inline GemmRect gemm_thread_rect(int M, int N, int K, int mr, int nr, int t, int threads) {
  auto ceil_div = [](int a, int b) { return (a + b - 1) / b; };
  const int row_tiles = ceil_div(M, mr), col_tiles = ceil_div(N, nr);
  int tm_best = 1, tn_best = threads;
  double best_cost = -1;
  for (int tm = 1; tm <= threads; ++tm) {
    if (threads % tm) continue;
    int tn = threads / tm;
    double rows = (double)ceil_div(row_tiles, tm) * mr, cols = (double)ceil_div(col_tiles, tn) * nr;
    double cost = rows * cols * K + 4.0 * (rows + cols) * K;
    if (best_cost < 0 || cost < best_cost) tm_best = tm, tn_best = tn, best_cost = cost;
  }
  auto band = [](int tiles, int parts, int idx, int unit, int limit, int* lo, int* hi) {
    int a = (int)((long long)tiles * idx / parts) * unit, b = (int)((long long)tiles * (idx + 1) / parts) * unit;
    *lo = a < limit ? a : limit;
    *hi = b < limit ? b : limit;
  };
  GemmRect r;
  band(row_tiles, tm_best, t / tn_best, mr, M, &r.i0, &r.i1);
  band(col_tiles, tn_best, t % tn_best, nr, N, &r.j0, &r.j1);
  return r;
}

}  // namespace cnn
