// SGD with momentum and weight decay, PyTorch's formulation (see sgd.h): one pass over the
// flat parameter, gradient and velocity arrays, a plain loop per thread's range
// (for_each_range). Element-wise, so any split over threads gives identical results; only
// large arrays get a parallel region.
#include "kernels/sgd.h"
#include "kernels/parallel_range.h"

namespace cnn {

void sgd_update(size_t count,
                float* params,       // (count)
                const float* grads,  // (count)
                float* velocity,     // (count)
                float lr, float momentum, float weight_decay) {
  for_each_range(count, [=](size_t lo, size_t hi) {
    float *p = params + lo, *vel = velocity + lo;
    const float* gr = grads + lo;
    const size_t n = hi - lo;
    for (size_t i = 0; i < n; ++i) {
      const float g = gr[i] + weight_decay * p[i];
      const float v = momentum * vel[i] + g;
      vel[i] = v;
      p[i] -= lr * v;
    }
  });
}

}  // namespace cnn
