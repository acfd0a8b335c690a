// FMA peak probe, AVX2+FMA: 12 independent ymm accumulators, enough to cover the FMA
// latency on both FMA pipes, so the loop runs at the issue rate.
#include <immintrin.h>
#include "kernels/fma_peak.h"

namespace cnn {

double fma_chains_avx2(long long reps) {
  constexpr int kAcc = 12;
  __m256 acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = _mm256_set1_ps(1.0f + 0.001f * i);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long long r = 0; r < reps; ++r) {
    for (int i = 0; i < kAcc; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kAcc; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  volatile float sink = lanes[0] + lanes[7];
  (void)sink;
  return (double)reps * kAcc * 8 * 2;
}

}  // namespace cnn
