// Direct convolution kernels for AVX-512 (see conv2d_direct_impl.h), 32 vector registers.
// Channel-vectorised tiles use 16 channels per zmm, or 8 per ymm when OC <= 8 (as many
// useful lanes per instruction, half the registers' width); the column-vectorised forward
// (few output channels, stride 1) puts 16 output columns in a zmm.
#include "kernels/conv2d_direct_impl.h"

namespace cnn {
namespace {

void forward_avx512(const DirectGeom& g, const float* xpad, const float* wt, const float* bias, float* y, bool acc) {
  if (forward_by_columns<16>(g)) return forward_image_cols<16, 32>(g, xpad, wt, bias, y, acc);
  if (g.oc > 8) return forward_image<16, 32>(g, xpad, wt, bias, y, acc);
  forward_image<8, 32>(g, xpad, wt, bias, y, acc);
}

bool by_columns_avx512(const DirectGeom& g) { return weights_by_columns<16>(g); }

void weights_avx512(const DirectGeom& g, const float* xpad, const float* dyT, float* dwT) {
  if (by_columns_avx512(g)) return backward_weights_image_cols<16, 32>(g, xpad, dyT, dwT);
  if (g.oc > 8) return backward_weights_image<16, 32>(g, xpad, dyT, dwT);
  backward_weights_image<8, 32>(g, xpad, dyT, dwT);
}

void forward_pairs_avx512(const DirectGeom& g, const uint32_t* xpairs, const uint32_t* wpairs, const float* bias,
                          float* y, bool acc) {
  if (g.oc > 8) return forward_image<16, 32, Bf16PairMadd<16>>(g, xpairs, wpairs, bias, y, acc);
  forward_image<8, 32, Bf16PairMadd<8>>(g, xpairs, wpairs, bias, y, acc);
}

}  // namespace

const ConvDirectKernels& conv_direct_kernels_avx512() {
  static const ConvDirectKernels k{"avx512",
                                   forward_avx512,
                                   by_columns_avx512,
                                   weights_avx512,
                                   transpose_planes<16>,
                                   forward_pairs_avx512,
                                   backward_weights_image_pairs<16, Bf16PairMadd<16>>};
  return k;
}

}  // namespace cnn
