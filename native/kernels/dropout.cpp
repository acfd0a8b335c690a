// Inverted dropout (see dropout.h). The keep decision hashes (seed, stream, index) with
// splitmix64's finaliser: the key (seed, stream) is mixed once, then each element's counter
// is offset from it by the golden-ratio increment and mixed again, exactly as splitmix64
// would produce its index-th output from that key. The top 32 bits are compared with
// p * 2^32, so P(drop) = floor(p * 2^32) / 2^32. Element-wise, so any thread split gives
// identical results. Survivors are selected by multiplying with mask * scale rather than by
// a branch: a random mask would mispredict half the branches.
#include "kernels/dropout.h"
#include "kernels/parallel_range.h"

namespace cnn {

namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t stream_key(uint32_t seed, uint32_t stream) { return mix64(((uint64_t)seed << 32 | stream) + kGolden); }

uint64_t drop_threshold(float p) { return (uint64_t)((double)p * 4294967296.0); }  // p < 1: below 2^32

bool keep(uint64_t key, uint64_t index, uint64_t threshold) {
  return (mix64(key + (index + 1) * kGolden) >> 32) >= threshold;
}

float survivor_scale(float p) { return (float)(1.0 / (1.0 - (double)p)); }

}  // namespace

uint8_t dropout_keep(uint32_t seed, uint32_t stream, uint64_t index, float p) {
  return keep(stream_key(seed, stream), index, drop_threshold(p)) ? 1 : 0;
}

void dropout_forward(size_t count, float p, uint32_t seed, uint32_t stream,
                     const float* x,   // (count)
                     float* y,         // (count)
                     uint8_t* mask) {  // (count)
  const uint64_t key = stream_key(seed, stream), threshold = drop_threshold(p);
  const float scale = survivor_scale(p);
  for_each_range(count, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      const uint8_t kept = keep(key, (uint64_t)i, threshold) ? 1 : 0;
      mask[i] = kept;
      y[i] = x[i] * (scale * (float)kept);
    }
  });
}

void dropout_backward(size_t count, float p,
                      const uint8_t* mask,  // (count)
                      const float* dy,      // (count)
                      float* dx,            // (count)
                      bool accumulate) {
  const float scale = survivor_scale(p);
  for_each_range(count, [=](size_t lo, size_t hi) {
    const uint8_t* m = mask + lo;
    const float* d = dy + lo;
    float* g = dx + lo;
    const size_t n = hi - lo;
    if (accumulate)
      for (size_t i = 0; i < n; ++i) g[i] += d[i] * (scale * (float)m[i]);
    else
      for (size_t i = 0; i < n; ++i) g[i] = d[i] * (scale * (float)m[i]);
  });
}

}  // namespace cnn
