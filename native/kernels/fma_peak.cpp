// FMA peak probe, dispatch and timing (baseline x86-64): picks the widest FMA loop the CPU
// runs, repeats it on every thread until the time is up, and reports total GFLOP/s.
#include "kernels/fma_peak.h"
#include <chrono>

namespace cnn {

// SSE fallback for CPUs without FMA: a multiply and an add per lane, 8 independent chains.
static double mul_add_chains_sse(long long reps) {
  float acc[8][4];
  for (int i = 0; i < 8; ++i)
    for (int l = 0; l < 4; ++l) acc[i][l] = 1.0f + 0.001f * i;
  for (long long r = 0; r < reps; ++r)
    for (int i = 0; i < 8; ++i)
      for (int l = 0; l < 4; ++l) acc[i][l] = acc[i][l] * 0.999999f + 1e-7f;
  volatile float sink = acc[0][0] + acc[7][3];
  (void)sink;
  return (double)reps * 8 * 4 * 2;
}

static double fma_chains(long long reps) {
  if (__builtin_cpu_supports("avx512f")) return fma_chains_avx512(reps);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return fma_chains_avx2(reps);
  return mul_add_chains_sse(reps);
}

static double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double fma_peak_gflops(int threads, double seconds) {
  if (threads < 1) threads = 1;
  fma_chains(1 << 16);  // wake the vector units up before timing
  double flops = 0, t0 = now_seconds(), t1 = t0;
#pragma omp parallel num_threads(threads) reduction(+ : flops)
  {
    double start = now_seconds();
    while (now_seconds() - start < seconds) flops += fma_chains(1 << 20);
  }
  t1 = now_seconds();
  return flops / (t1 - t0) / 1e9;
}

}  // namespace cnn
