// Fully connected layer (PyTorch's Linear): three GEMMs, each parallel inside the GEMM of
// the precision (precision.h).
// The bias is written first and the GEMM accumulates onto it, so y is touched once more,
// not twice. Dimension names as in dense.h.
#include "kernels/dense.h"
#include <algorithm>
#include <cstddef>

namespace cnn {

void dense_forward(int n, int in, int out,
                   const float* x,  // (N, IN)
                   const float* w,  // (OUT, IN)
                   const float* b,  // (OUT) or nullptr
                   float* y,        // (N, OUT)
                   Precision precision) {
  if (b)
    for (int i = 0; i < n; ++i) std::copy(b, b + out, y + (size_t)i * out);
  gemm_of(precision)(false, true, n, out, in, 1.0f, x, in, w, in, b ? 1.0f : 0.0f, y, out);
}

void dense_backward_data(int n, int in, int out,
                         const float* dy,  // (N, OUT)
                         const float* w,   // (OUT, IN)
                         float* dx,        // (N, IN)
                         bool accumulate, Precision precision) {
  gemm_of(precision)(false, false, n, in, out, 1.0f, dy, out, w, in, accumulate ? 1.0f : 0.0f, dx, in);
}

void dense_backward_weights(int n, int in, int out,
                            const float* x,   // (N, IN)
                            const float* dy,  // (N, OUT)
                            float* dw,        // (OUT, IN)
                            float* db,        // (OUT) or nullptr
                            Precision precision) {
  gemm_of(precision)(true, false, out, in, n, 1.0f, dy, out, x, in, 1.0f, dw, in);
  if (!db) return;
  // Column sums in batch order: vectorises across OUT and never depends on the thread count.
  for (int i = 0; i < n; ++i) {
    const float* row = dy + (size_t)i * out;
    for (int o = 0; o < out; ++o) db[o] += row[o];
  }
}

}  // namespace cnn
