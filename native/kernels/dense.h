// Fully connected layer, as PyTorch's Linear: y = x W^T + b.
// Dimension names: N batch, IN input features, OUT output features. In bf16 precision the
// three GEMMs round their operands to bfloat16 (precision.h); the bias stays fp32.
#pragma once
#include "kernels/precision.h"

namespace cnn {

void dense_forward(int n, int in, int out,
                   const float* x,  // (N, IN)
                   const float* w,  // (OUT, IN)
                   const float* b,  // (OUT) or nullptr
                   float* y,        // (N, OUT)
                   Precision precision = Precision::fp32);

// dx (=|+=) dy W
void dense_backward_data(int n, int in, int out,
                         const float* dy,  // (N, OUT)
                         const float* w,   // (OUT, IN)
                         float* dx,        // (N, IN)
                         bool accumulate, Precision precision = Precision::fp32);

// dw += dy^T x ; db += sum over N of dy
void dense_backward_weights(int n, int in, int out,
                            const float* x,   // (N, IN)
                            const float* dy,  // (N, OUT)
                            float* dw,        // (OUT, IN)
                            float* db,        // (OUT) or nullptr
                            Precision precision = Precision::fp32);

}  // namespace cnn
