// Per-channel scale and shift: y[n,c,i] = scale[c] * x[n,c,i] + shift[c].
// LeNet-5's trainable subsampling (average pool, then a trainable coefficient and bias per
// map) is an average pool followed by this; batch norm's affine part is the same operation.
// Dimension names: N batch, C channels, S spatial size (H*W).
#pragma once

namespace cnn {

void channel_affine_forward(int n, int c, int s,
                            const float* x,      // (N, C, S)
                            const float* scale,  // (C)
                            const float* shift,  // (C) or nullptr
                            float* y);           // (N, C, S)

// dx (=|+=) scale * dy ; dscale += sum dy * x ; dshift += sum dy
void channel_affine_backward(int n, int c, int s,
                             const float* x,      // (N, C, S)
                             const float* scale,  // (C)
                             const float* dy,     // (N, C, S)
                             float* dx,           // (N, C, S) or nullptr (no input gradient)
                             float* dscale,       // (C)
                             float* dshift,       // (C) or nullptr
                             bool accumulate);

}  // namespace cnn
