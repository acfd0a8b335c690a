// Direct convolution kernels for baseline x86-64 (SSE2) and other CPUs (see
// conv2d_direct_impl.h): 4 channels per 16-byte vector, 16 vector registers, no FMA.
#include "kernels/conv2d_direct_impl.h"
#include "kernels/bf16.h"

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

// MaskedDyBf16Fn, in sum_floats' lanes and order.
float masked_dy_portable(const float* dy, const float* relu_y, size_t n, uint16_t* out) {
  auto masked = [&](size_t k) { return relu_y == nullptr || relu_y[k] > 0.0f ? dy[k] : 0.0f; };
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l) {
      const float m = masked(i + l);
      lane[l] += m;
      out[i + l] = float_to_bf16(m);
    }
  float total = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
  for (; i < n; ++i) {
    const float m = masked(i);
    total += m;
    out[i] = float_to_bf16(m);
  }
  return total;
}

}  // namespace

MaskedDyBf16Fn conv_direct_masked_dy_bf16_portable() { return masked_dy_portable; }

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
