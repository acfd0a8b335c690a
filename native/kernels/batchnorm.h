// Batch normalisation over (N, H, W) per channel, as PyTorch's BatchNorm2d (and BatchNorm1d
// when S = 1): y = gamma * (x - mean) * inv_std + beta, inv_std = 1 / sqrt(var + eps).
// Training uses the batch's mean and biased variance and updates the running statistics
// with PyTorch's momentum convention, the running variance from the UNBIASED batch variance:
//   running_mean = (1 - m) * running_mean + m * mean
//   running_var  = (1 - m) * running_var  + m * var * M / (M - 1),  M = N*S (M = 1: var)
// Evaluation uses the running statistics. Backward is the gradient through the batch
// statistics (training mode).
// Dimension names: N batch, C channels, S spatial size (H*W); M = N*S values per channel.
//
// Synchronized batch norm (data-parallel training): the training functions take an optional
// CrossProcess. With one, the batch statistics in forward and the two means in backward's
// dx are over the images of every process together (as PyTorch's SyncBatchNorm), at the cost
// of a second pass over x or dy and two (forward) or one (backward) sums across processes of
// C + 1 or 2C + 1 doubles; dgamma and dbeta stay the process's own sums. Without one,
// nothing crosses processes and the results are bitwise those of the local computation.
#pragma once
#include "kernels/cross_process.h"

namespace cnn {

constexpr float kBatchNormDefaultEps = 1e-5f;
constexpr float kBatchNormDefaultMomentum = 0.1f;

// Saves mean and inv_std for backward; running statistics are updated when not nullptr.
void batchnorm_forward_train(int n, int c, int s,
                             const float* x,      // (N, C, S)
                             const float* gamma,  // (C)
                             const float* beta,   // (C)
                             float eps, float momentum,
                             float* y,             // (N, C, S)
                             float* save_mean,     // (C)
                             float* save_inv_std,  // (C)
                             float* running_mean,  // (C) or nullptr
                             float* running_var,   // (C) or nullptr
                             const CrossProcess* sync = nullptr);

void batchnorm_forward_eval(int n, int c, int s,
                            const float* x,             // (N, C, S)
                            const float* gamma,         // (C)
                            const float* beta,          // (C)
                            const float* running_mean,  // (C)
                            const float* running_var,   // (C)
                            float eps,
                            float* y);  // (N, C, S)

// xhat = (x - mean) * inv_std;
// dx (=|+=) gamma * inv_std * (dy - mean(dy) - xhat * mean(dy * xhat)) over the channel's M values;
// dgamma += sum dy * xhat ; dbeta += sum dy
void batchnorm_backward(int n, int c, int s,
                        const float* x,             // (N, C, S): forward input
                        const float* gamma,         // (C)
                        const float* save_mean,     // (C)
                        const float* save_inv_std,  // (C)
                        const float* dy,            // (N, C, S)
                        float* dx,                  // (N, C, S) or nullptr (no input gradient)
                        float* dgamma,              // (C)
                        float* dbeta,               // (C)
                        bool accumulate, const CrossProcess* sync = nullptr);

// Training batch norm followed by ReLU in the same passes (the network fuses a batchnorm whose
// only consumer is a relu; evaluation runs the two apart): y = max(bn(x), 0) with bn(x)
// computed exactly as above, so the result is bitwise that of batchnorm_forward_train followed
// by activation_forward(Relu). Backward takes dy, the gradient wrt the ReLU's output, and
// recomputes the ReLU's mask from x, gamma, beta and the saved statistics (bn(x) > 0): the
// bn output itself need not be stored.
void batchnorm_relu_forward_train(int n, int c, int s, const float* x, const float* gamma, const float* beta, float eps,
                                  float momentum, float* y, float* save_mean, float* save_inv_std, float* running_mean,
                                  float* running_var, const CrossProcess* sync = nullptr);
void batchnorm_relu_backward(int n, int c, int s,
                             const float* x,             // (N, C, S): forward input of the batch norm
                             const float* gamma,         // (C)
                             const float* beta,          // (C)
                             const float* save_mean,     // (C)
                             const float* save_inv_std,  // (C)
                             const float* dy,            // (N, C, S): gradient wrt the ReLU's output
                             float* dx,                  // (N, C, S) or nullptr
                             float* dgamma,              // (C)
                             float* dbeta,               // (C)
                             bool accumulate, const CrossProcess* sync = nullptr);

// Training batch norm, a residual add and its ReLU in the same passes (the network fuses a
// batchnorm whose only consumer is an add with a fused ReLU, the batchnorm the later of the
// add's two producers): y = max(bn(x) + r, 0), bitwise batchnorm_forward_train followed by
// elementwise_add_relu_forward. Backward takes dy, the gradient wrt y, masks it by y > 0 (as
// the add's backward does), writes the masked dy to dr (the residual's gradient; += when
// dr_accumulate, nowhere when null) in its first pass, and gives dx, dgamma and dbeta as
// batchnorm_backward of the masked dy: bitwise elementwise_add_relu_backward then that.
void batchnorm_add_relu_forward_train(int n, int c, int s,
                                      const float* x,         // (N, C, S): the batch norm's input
                                      const float* residual,  // (N, C, S): the add's other input
                                      const float* gamma, const float* beta, float eps, float momentum,
                                      float* y,  // (N, C, S): the ReLU's output
                                      float* save_mean, float* save_inv_std, float* running_mean, float* running_var,
                                      const CrossProcess* sync = nullptr);
void batchnorm_add_relu_backward(int n, int c, int s,
                                 const float* x,  // (N, C, S): the batch norm's input
                                 const float* y,  // (N, C, S): the ReLU's output
                                 const float* gamma, const float* save_mean, const float* save_inv_std,
                                 const float* dy,  // (N, C, S): gradient wrt y
                                 float* dx,        // (N, C, S) or nullptr
                                 float* dr,        // (N, C, S) or nullptr: the residual's gradient
                                 bool dr_accumulate, float* dgamma, float* dbeta, bool accumulate,
                                 const CrossProcess* sync = nullptr);

}  // namespace cnn
