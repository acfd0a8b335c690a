// Batch normalisation's entry points: each runs the kernels (batchnorm_impl.h) of the AVX-512
// unit where the GEMM path in use is avx512 (so CNN_GEMM_PATH selects them too), else the
// portable one.
#include "kernels/batchnorm.h"

#include <cstring>

#include "kernels/batchnorm_kernel.h"
#include "kernels/gemm.h"

namespace cnn {
namespace {

const BatchNormKernels& kernels() {
  if (std::strcmp(gemm_path(), "avx512") == 0) return batchnorm_kernels_avx512();
  return batchnorm_kernels_portable();
}

}  // namespace

void batchnorm_forward_train(int n, int c, int s, const float* x, const float* gamma, const float* beta, float eps,
                             float momentum, float* y, float* save_mean, float* save_inv_std, float* running_mean,
                             float* running_var, const CrossProcess* sync) {
  kernels().forward_train(n, c, s, x, gamma, beta, eps, momentum, y, save_mean, save_inv_std, running_mean, running_var,
                          false, nullptr, sync);
}

void batchnorm_relu_forward_train(int n, int c, int s, const float* x, const float* gamma, const float* beta, float eps,
                                  float momentum, float* y, float* save_mean, float* save_inv_std, float* running_mean,
                                  float* running_var, const CrossProcess* sync) {
  kernels().forward_train(n, c, s, x, gamma, beta, eps, momentum, y, save_mean, save_inv_std, running_mean, running_var,
                          true, nullptr, sync);
}

void batchnorm_add_relu_forward_train(int n, int c, int s, const float* x, const float* residual, const float* gamma,
                                      const float* beta, float eps, float momentum, float* y, float* save_mean,
                                      float* save_inv_std, float* running_mean, float* running_var,
                                      const CrossProcess* sync) {
  kernels().forward_train(n, c, s, x, gamma, beta, eps, momentum, y, save_mean, save_inv_std, running_mean, running_var,
                          true, residual, sync);
}

void batchnorm_forward_eval(int n, int c, int s, const float* x, const float* gamma, const float* beta,
                            const float* running_mean, const float* running_var, float eps, float* y) {
  kernels().forward_eval(n, c, s, x, gamma, beta, running_mean, running_var, eps, y);
}

void batchnorm_backward(int n, int c, int s, const float* x, const float* gamma, const float* save_mean,
                        const float* save_inv_std, const float* dy, float* dx, float* dgamma, float* dbeta,
                        bool accumulate, const CrossProcess* sync) {
  kernels().backward(n, c, s, x, gamma, nullptr, save_mean, save_inv_std, dy, dx, dgamma, dbeta, accumulate, false,
                     nullptr, sync);
}

void batchnorm_relu_backward(int n, int c, int s, const float* x, const float* gamma, const float* beta,
                             const float* save_mean, const float* save_inv_std, const float* dy, float* dx,
                             float* dgamma, float* dbeta, bool accumulate, const CrossProcess* sync) {
  kernels().backward(n, c, s, x, gamma, beta, save_mean, save_inv_std, dy, dx, dgamma, dbeta, accumulate, true, nullptr,
                     sync);
}

void batchnorm_add_relu_backward(int n, int c, int s, const float* x, const float* y, const float* gamma,
                                 const float* save_mean, const float* save_inv_std, const float* dy, float* dx,
                                 float* dr, bool dr_accumulate, float* dgamma, float* dbeta, bool accumulate,
                                 const CrossProcess* sync) {
  const ResidualGrad residual{y, dr, dr_accumulate};
  kernels().backward(n, c, s, x, gamma, nullptr, save_mean, save_inv_std, dy, dx, dgamma, dbeta, accumulate, false,
                     &residual, sync);
}

}  // namespace cnn
