// Sum of n floats in eight independent lanes: the loop vectorises without -ffast-math, and
// the order of the additions depends on n alone (never on threads or alignment), so sums
// such as a bias gradient repeat bit for bit.
#pragma once
#include <cstddef>

namespace cnn {

inline float sum_floats(const float* v, size_t n) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l) lane[l] += v[i + l];
  float total = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
  for (; i < n; ++i) total += v[i];
  return total;
}

}  // namespace cnn
