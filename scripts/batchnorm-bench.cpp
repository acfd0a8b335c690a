// Batch norm's training forward and backward against bandwidth yardsticks: parallel copies of
// the same array in the same run over for_each_range's split, by memcpy (rep movsb, which
// writes whole lines without reading them first) and by a plain loop y = x + z (z = 0 read at
// run time so the compiler cannot turn it into memcpy; it reads each line of y before writing
// it, as batch norm's loops do). With BENCH_COLD=1 every call works on the next of 16 sets of
// arrays (16 x 4 x 4 MiB for 64x16x32x32), so its data comes from L3 or memory rather than
// L2, as in a network step. Prints the median
// (or with BENCH_MIN=1 the minimum, which on a shared machine is the run the other core was
// free for) of 30 calls, and GB/s for the bytes each pass must move at least (copy: read +
// write; forward: read x twice, write y; backward: read x and dy twice, write dx).
// Build and run from the repository root (N C S threads; N fixed at 64), against the kernel
// objects of the cmake-js build (`npm install` or `npx cmake-js compile --out build`);
// CNN_GEMM_PATH=portable runs batch norm's portable unit instead of the AVX-512 one:
//   g++ -O3 -fno-math-errno -fopenmp -std=c++17 -DWITH_RELU -I native scripts/batchnorm-bench.cpp
//       build/CMakeFiles/cnn_kernels.dir/native/kernels/*.o -o /tmp/bn-bench
//   nice -n -19 /tmp/bn-bench 16 1024 1
// Drop -DWITH_RELU to build against a batchnorm.cpp without the fused relu kernels (an older
// revision: git show REV:native/kernels/batchnorm.cpp > /tmp/old/kernels/batchnorm.cpp, with
// its header, and -I /tmp/old before -I native).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/parallel_range.h"
#include "kernels/threads.h"

using namespace cnn;

template <class F>
double time_ms(F f, int reps = 30) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return std::getenv("BENCH_MIN") ? t[0] : t[t.size() / 2];
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s C S THREADS  (N = 64)\n", argv[0]);
    return 2;
  }
  const int n = 64, c = std::atoi(argv[1]), s = std::atoi(argv[2]);
  set_num_threads(std::atoi(argv[3]));
  const size_t count = (size_t)n * c * s;
  const int sets = std::getenv("BENCH_COLD") ? 16 : 1;
  std::vector<float> xs(count * sets), ys(count * sets), dys(count * sets), dxs(count * sets);
  std::vector<float> gamma(c, 1.2f), beta(c, 0.1f), mean(c), inv_std(c), rm(c), rv(c, 1.0f), dgamma(c), dbeta(c);
  for (size_t i = 0; i < count * sets; ++i) {
    xs[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    dys[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
  }
  int next = 0;
  auto pick = [&](std::vector<float>& v) { return v.data() + count * (size_t)(next % sets); };
  const double copy = time_ms([&] {
    const float* x = pick(xs);
    float* y = pick(ys);
    for_each_range(count, [&](size_t lo, size_t hi) { std::memcpy(y + lo, x + lo, (hi - lo) * 4); });
    ++next;
  });
  const float zero = (float)(argc - 4);  // 0, unknown to the compiler
  const double loop_copy = time_ms([&] {
    const float* x = pick(xs);
    float* y = pick(ys);
    for_each_range(count, [=](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) y[i] = x[i] + zero;
    });
    ++next;
  });
  const double fwd = time_ms([&] {
    batchnorm_forward_train(n, c, s, pick(xs), gamma.data(), beta.data(), 1e-5f, 0.1f, pick(ys), mean.data(),
                            inv_std.data(), rm.data(), rv.data());
    ++next;
  });
  const double bwd = time_ms([&] {
    batchnorm_backward(n, c, s, pick(xs), gamma.data(), mean.data(), inv_std.data(), pick(dys), pick(dxs),
                       dgamma.data(), dbeta.data(), false);
    ++next;
  });
  const double mb = (double)count * 4 / 1e6;
  std::printf(
      "N=%d C=%d S=%d: memcpy %.3f ms (%.1f GB/s) | loop copy %.3f ms (%.1f GB/s) | forward %.3f ms (%.1f GB/s) |"
      " backward %.3f ms (%.1f GB/s)\n",
      n, c, s, copy, 2 * mb / copy, loop_copy, 2 * mb / loop_copy, fwd, 3 * mb / fwd, bwd, 5 * mb / bwd);
#ifdef WITH_RELU
  const double fwd_relu = time_ms([&] {
    batchnorm_relu_forward_train(n, c, s, pick(xs), gamma.data(), beta.data(), 1e-5f, 0.1f, pick(ys), mean.data(),
                                 inv_std.data(), rm.data(), rv.data());
    ++next;
  });
  const double bwd_relu = time_ms([&] {
    batchnorm_relu_backward(n, c, s, pick(xs), gamma.data(), beta.data(), mean.data(), inv_std.data(), pick(dys),
                            pick(dxs), dgamma.data(), dbeta.data(), false);
    ++next;
  });
  std::printf("  with the relu fused: forward %.3f ms, backward %.3f ms\n", fwd_relu, bwd_relu);
#endif
  return 0;
}
