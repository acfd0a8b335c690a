#include "kernels/threads.h"
#include <algorithm>
#include <atomic>
#include <thread>

namespace cnn {
static std::atomic<int> g_threads{0};

int max_hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (int)n;
}
int num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : max_hardware_threads();
}
void set_num_threads(int n) { g_threads.store(std::clamp(n, 1, 256), std::memory_order_relaxed); }
}  // namespace cnn
