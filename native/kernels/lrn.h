// Local response normalisation across channels, as PyTorch's nn.LocalResponseNorm(size,
// alpha, beta, k) (Krizhevsky et al. 2012):
//   scale_c = k + alpha / size * sum_{c' in window(c)} x_{c'}^2 ,  y_c = x_c * scale_c^-beta
// at every (n, h, w). window(c) = [c - size/2, c + (size-1)/2] clipped to [0, C): PyTorch pads
// size/2 zero channels before and (size-1)/2 after, and still divides by size.
// Forward saves scale for backward. Requires size >= 1, alpha >= 0, beta >= 0, k > 0 (so
// scale >= k > 0).
// Dimension names: N batch, C channels, S spatial size (H*W).
#pragma once

namespace cnn {

struct LrnParams {
  int size;
  float alpha, beta, k;
};

void lrn_forward(int n, int c, int s, const LrnParams& lrn,
                 const float* x,  // (N, C, S)
                 float* y,        // (N, C, S)
                 float* scale);   // (N, C, S)

// dx_j (=|+=) dy_j * scale_j^-beta
//            - 2 * alpha * beta / size * x_j * sum_{c : j in window(c)} dy_c * y_c / scale_c
void lrn_backward(int n, int c, int s, const LrnParams& lrn,
                  const float* x,      // (N, C, S)
                  const float* y,      // (N, C, S)
                  const float* scale,  // (N, C, S)
                  const float* dy,     // (N, C, S)
                  float* dx,           // (N, C, S)
                  bool accumulate);

}  // namespace cnn
