#include "kernels/threads.h"
#include <algorithm>
#include <atomic>
#include <thread>

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
}  // namespace cnn
