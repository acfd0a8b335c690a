// Direct convolution kernels for baseline x86-64 (SSE2) and other CPUs (see
// conv2d_direct_impl.h): 4 channels per 16-byte vector, 16 vector registers, no FMA.
#include "kernels/conv2d_direct_impl.h"

namespace cnn {
namespace {

void forward_portable(const DirectGeom& g, const float* xpad, const float* wt, const float* bias, float* y, bool acc) {
  if (forward_by_columns<4>(g)) return forward_image_cols<4, 16>(g, xpad, wt, bias, y, acc);
  forward_image<4, 16>(g, xpad, wt, bias, y, acc);
}

bool by_columns_portable(const DirectGeom& g) { return weights_by_columns<4>(g); }

void weights_portable(const DirectGeom& g, const float* xpad, const float* dyT, float* dwT) {
  if (by_columns_portable(g)) return backward_weights_image_cols<4, 16>(g, xpad, dyT, dwT);
  backward_weights_image<4, 16>(g, xpad, dyT, dwT);
}

void forward_pairs_portable(const DirectGeom& g, const uint32_t* xpairs, const uint32_t* wpairs, const float* bias,
                            float* y, bool acc) {
  forward_image<4, 16, Bf16PairMadd<4>>(g, xpairs, wpairs, bias, y, acc);
}

}  // namespace

const ConvDirectKernels& conv_direct_kernels_portable() {
  static const ConvDirectKernels k{"portable",
                                   forward_portable,
                                   by_columns_portable,
                                   weights_portable,
                                   transpose_planes<4>,
                                   forward_pairs_portable,
                                   backward_weights_image_pairs<4, Bf16PairMadd<4>>};
  return k;
}

}  // namespace cnn
