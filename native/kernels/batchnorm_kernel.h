// The per-instruction-set half of batch normalisation (batchnorm.cpp dispatches to it): the
// same kernels (batchnorm_impl.h) compiled by each unit with its own -m flags, reached only
// through this table. Both units give the same bits. There is no AVX2 unit: GCC splits the
// kernels' 64-byte vectors into scalar code for 32-byte registers, slower than baseline's
// 16-byte quarters, so the AVX2 path runs the portable unit.
#pragma once
#include "kernels/cross_process.h"

namespace cnn {

// Backward of a batch norm fused with a residual add and its ReLU: the ReLU's output y (its
// mask) and where the residual's gradient goes (dr, =|+= as dr_accumulate; nullptr: nowhere).
struct ResidualGrad {
  const float* y;
  float* dr;
  bool dr_accumulate;
};

struct BatchNormKernels {
  // Training forward (relu: max(y, 0) in the same pass; residual, with relu: max(y + residual,
  // 0)); see batchnorm.h.
  void (*forward_train)(int n, int c, int s, const float* x, const float* gamma, const float* beta, float eps,
                        float momentum, float* y, float* save_mean, float* save_inv_std, float* running_mean,
                        float* running_var, bool relu, const float* residual, const CrossProcess* sync);
  void (*forward_eval)(int n, int c, int s, const float* x, const float* gamma, const float* beta,
                       const float* running_mean, const float* running_var, float eps, float* y);
  // Training backward; relu: dy is the gradient wrt the fused ReLU's output (beta needed);
  // residual (not null): dy is the gradient wrt the ReLU after a fused residual add.
  void (*backward)(int n, int c, int s, const float* x, const float* gamma, const float* beta, const float* save_mean,
                   const float* save_inv_std, const float* dy, float* dx, float* dgamma, float* dbeta, bool accumulate,
                   bool relu, const ResidualGrad* residual, const CrossProcess* sync);
};

const BatchNormKernels& batchnorm_kernels_avx512();    // batchnorm_avx512.cpp
const BatchNormKernels& batchnorm_kernels_portable();  // batchnorm_portable.cpp

}  // namespace cnn
