// Fully connected layer, as PyTorch's Linear: y = x W^T + b.
// Dimension names: N batch, IN input features, OUT output features.
#pragma once

namespace cnn {

void dense_forward(int n, int in, int out,
                   const float* x,  // (N, IN)
                   const float* w,  // (OUT, IN)
                   const float* b,  // (OUT) or nullptr
                   float* y);       // (N, OUT)

// dx (=|+=) dy W
void dense_backward_data(int n, int in, int out,
                         const float* dy,  // (N, OUT)
                         const float* w,   // (OUT, IN)
                         float* dx,        // (N, IN)
                         bool accumulate);

// dw += dy^T x ; db += sum over N of dy
void dense_backward_weights(int n, int in, int out,
                            const float* x,   // (N, IN)
                            const float* dy,  // (N, OUT)
                            float* dw,        // (OUT, IN)
                            float* db);       // (OUT) or nullptr

}  // namespace cnn
