// One parallel region over [0, count): each thread gets one contiguous range, cut at
// multiples of 16 floats (a 64-byte cache line) so no two threads write the same line, and
// the body is an ordinary loop over plain pointers that the compiler vectorises (loops
// written inside `omp for` with lambdas often are not: the ReLU was a scalar, branchy loop).
// Small counts run inline: they finish before a thread could wake.
#pragma once
#include <algorithm>
#include <cstddef>

#include "kernels/threads.h"

namespace cnn {

constexpr size_t kElementwiseParallelMin = 32 * 1024;

// body(begin, end) for disjoint ranges covering [0, count).
template <class Body>
void for_each_range(size_t count, Body body, size_t parallel_min = kElementwiseParallelMin) {
  const int nt = num_threads();
  if (nt <= 1 || count < parallel_min) {
    if (count) body((size_t)0, count);
    return;
  }
  const size_t chunk = ((count + (size_t)nt - 1) / (size_t)nt + 15) & ~(size_t)15;
#pragma omp parallel for schedule(static, 1) num_threads(nt)
  for (int t = 0; t < nt; ++t) {
    const size_t begin = std::min(count, (size_t)t * chunk), end = std::min(count, begin + chunk);
    if (begin < end) body(begin, end);
  }
}

}  // namespace cnn
