// FMA peak probe, AVX-512: 16 independent zmm accumulators, enough to cover the FMA
// latency on both FMA pipes, so the loop runs at the issue rate.
#include <immintrin.h>
#include "kernels/fma_peak.h"

namespace cnn {

double fma_chains_avx512(long long reps) {
  constexpr int kAcc = 16;
  __m512 acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = _mm512_set1_ps(1.0f + 0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long long r = 0; r < reps; ++r) {
    for (int i = 0; i < kAcc; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < kAcc; ++i) s = _mm512_add_ps(s, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  volatile float sink = lanes[0] + lanes[15];
  (void)sink;
  return (double)reps * kAcc * 16 * 2;
}

}  // namespace cnn
