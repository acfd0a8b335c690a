// Direct convolution kernels for AVX2+FMA (see conv2d_direct_impl.h): 8 channels per ymm,
// 16 vector registers.
#include "kernels/conv2d_direct_impl.h"

namespace cnn {
namespace {

void forward_avx2(const DirectGeom& g, const float* xpad, const float* wt, const float* bias, float* y, bool acc) {
  if (forward_by_columns<8>(g)) return forward_image_cols<8, 16>(g, xpad, wt, bias, y, acc);
  forward_image<8, 16>(g, xpad, wt, bias, y, acc);
}

bool by_columns_avx2(const DirectGeom& g) { return weights_by_columns<8>(g); }

void weights_avx2(const DirectGeom& g, const float* xpad, const float* dyT, float* dwT) {
  if (by_columns_avx2(g)) return backward_weights_image_cols<8, 16>(g, xpad, dyT, dwT);
  backward_weights_image<8, 16>(g, xpad, dyT, dwT);
}

void forward_pairs_avx2(const DirectGeom& g, const uint32_t* xpairs, const uint32_t* wpairs, const float* bias,
                        float* y, bool acc) {
  forward_image<8, 16, Bf16PairMadd<8>>(g, xpairs, wpairs, bias, y, acc);
}

}  // namespace

const ConvDirectKernels& conv_direct_kernels_avx2() {
  static const ConvDirectKernels k{"avx2",
                                   forward_avx2,
                                   by_columns_avx2,
                                   weights_avx2,
                                   transpose_planes<8>,
                                   forward_pairs_avx2,
                                   backward_weights_image_pairs<8, Bf16PairMadd<8>>};
  return k;
}

}  // namespace cnn
