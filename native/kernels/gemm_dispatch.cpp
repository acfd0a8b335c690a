// GEMM path selection (baseline code): the widest path this CPU runs, chosen once at first
// use; CNN_GEMM_PATH=avx512|avx2|portable forces one when the CPU has it (an unknown or
// unsupported value is ignored silently); set_gemm_path switches at run time for tests.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include "kernels/gemm.h"
#include "kernels/gemm_blocking.h"

namespace cnn {

// The kernel table for `name`, or nullptr if the name is unknown or this CPU lacks it.
static const GemmKernel* kernel_named(const char* name) {
  if (!name) return nullptr;
  __builtin_cpu_init();
  if (std::strcmp(name, "avx512") == 0) {
    bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
              __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
              __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return ok ? &gemm_kernel_avx512() : nullptr;
  }
  if (std::strcmp(name, "avx2") == 0) {
    bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return ok ? &gemm_kernel_avx2() : nullptr;
  }
  if (std::strcmp(name, "portable") == 0) return &gemm_kernel_portable();
  return nullptr;
}

static const GemmKernel* initial_kernel() {
  if (const GemmKernel* forced = kernel_named(std::getenv("CNN_GEMM_PATH"))) return forced;
  static const char* const kWidestFirst[] = {"avx512", "avx2", "portable"};
  for (const char* name : kWidestFirst)
    if (const GemmKernel* k = kernel_named(name)) return k;
  return &gemm_kernel_portable();
}

static std::atomic<const GemmKernel*>& current() {
  static std::atomic<const GemmKernel*> kernel{initial_kernel()};
  return kernel;
}

const GemmKernel& current_gemm_kernel() { return *current().load(std::memory_order_acquire); }

const char* gemm_path() { return current_gemm_kernel().name; }

bool set_gemm_path(const char* name) {
  const GemmKernel* k = kernel_named(name);
  if (!k) return false;
  current().store(k, std::memory_order_release);
  return true;
}

}  // namespace cnn
