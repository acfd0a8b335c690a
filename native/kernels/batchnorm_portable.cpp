// Batch normalisation compiled for baseline x86-64 (SSE2) or any other CPU.
#include "kernels/batchnorm_impl.h"

namespace cnn {

const BatchNormKernels& batchnorm_kernels_portable() { return batchnorm_table(); }

}  // namespace cnn
