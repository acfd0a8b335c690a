#include "kernels/threads.h"
#include <algorithm>
#include <atomic>
#include <thread>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace cnn {
static std::atomic<int> g_threads{0};

// hardware_concurrency reads /sys on Linux (microseconds per call): ask once.
int max_hardware_threads() {
  static const int n = [] {
    unsigned h = std::thread::hardware_concurrency();
    return h == 0 ? 1 : (int)h;
  }();
  return n;
}
int num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : max_hardware_threads();
}
void set_num_threads(int n) { g_threads.store(std::clamp(n, 1, 256), std::memory_order_relaxed); }

int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

int team_size() {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}
}  // namespace cnn
