// Element-wise addition and its backward (see add.h): plain loops the compiler vectorises;
// only large arrays get a parallel region. Element-wise, so every thread split gives the
// same result.
#include "kernels/add.h"
#include "kernels/threads.h"

namespace cnn {

namespace {

constexpr size_t kParallelMinCount = 32 * 1024;

// g (=|+=) dout
void route(size_t count, const float* dout, float* g, bool accumulate) {
  const long long n = (long long)count;
  if (accumulate) {
#pragma omp parallel for simd schedule(static) num_threads(num_threads()) if (count > kParallelMinCount)
    for (long long i = 0; i < n; ++i) g[i] += dout[i];
  } else {
#pragma omp parallel for simd schedule(static) num_threads(num_threads()) if (count > kParallelMinCount)
    for (long long i = 0; i < n; ++i) g[i] = dout[i];
  }
}

}  // namespace

void elementwise_add_forward(size_t count,
                             const float* a,  // (count)
                             const float* b,  // (count)
                             float* out) {    // (count)
  const long long n = (long long)count;
#pragma omp parallel for simd schedule(static) num_threads(num_threads()) if (count > kParallelMinCount)
  for (long long i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

// Two passes, a's then b's: when da == db the second pass sees the first's result, which
// is what the aliasing contract in add.h needs (a per-element interleave would too, but
// two passes keep each loop a simple stream).
void elementwise_add_backward(size_t count,
                              const float* dout,  // (count)
                              float* da,          // (count) or nullptr
                              bool accumulate_a,
                              float* db,          // (count) or nullptr
                              bool accumulate_b) {
  if (da) route(count, dout, da, accumulate_a);
  if (db) route(count, dout, db, accumulate_b);
}

}  // namespace cnn
