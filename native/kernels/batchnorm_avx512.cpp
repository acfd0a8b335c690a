// Batch normalisation compiled for AVX-512: each 16-float lane vector is one register.
#include "kernels/batchnorm_impl.h"

namespace cnn {

const BatchNormKernels& batchnorm_kernels_avx512() { return batchnorm_table(); }

}  // namespace cnn
