// SGD with momentum and weight decay, PyTorch's formulation (see sgd.h): one pass over the
// flat parameter, gradient and velocity arrays. Element-wise, so any split over threads
// gives identical results; only large arrays get a parallel region.
#include "kernels/sgd.h"
#include "kernels/threads.h"

namespace cnn {

namespace {
constexpr size_t kParallelMinCount = 32 * 1024;
}

void sgd_update(size_t count,
                float* params,       // (count)
                const float* grads,  // (count)
                float* velocity,     // (count)
                float lr, float momentum, float weight_decay) {
  const long long n = (long long)count;
#pragma omp parallel for simd schedule(static) num_threads(num_threads()) if (count > kParallelMinCount)
  for (long long i = 0; i < n; ++i) {
    float g = grads[i] + weight_decay * params[i];
    float v = momentum * velocity[i] + g;
    velocity[i] = v;
    params[i] -= lr * v;
  }
}

}  // namespace cnn
