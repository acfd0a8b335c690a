// The direct convolution's bf16 forward tiles for AVX512-BF16 (see conv2d_direct_impl.h and
// DirectPairForwardFn): 16 output channels per zmm, each pair of input channels multiplied
// by one vdpbf16ps; and its backward-weights tiles, each pair of output positions multiplied
// by one.
#include "kernels/conv2d_direct_impl.h"

namespace cnn {
namespace {

void forward_pairs(const DirectGeom& g, const uint32_t* xpairs, const uint32_t* wpairs, const float* bias, float* y,
                   bool acc) {
  forward_image<16, 32, Bf16PairMadd<16>>(g, xpairs, wpairs, bias, y, acc);
}

}  // namespace

DirectPairForwardFn conv_direct_forward_pairs_avx512bf16() { return forward_pairs; }
DirectPairWeightsFn conv_direct_weights_pairs_avx512bf16() {
  return backward_weights_image_pairs<16, Bf16PairMadd<16>, 2>;
}

}  // namespace cnn
