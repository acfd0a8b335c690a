// The direct convolution's bf16 forward tiles for AVX512-BF16 (see conv2d_direct_impl.h and
// DirectPairForwardFn): 16 output channels per zmm, each pair of input channels multiplied
// by one vdpbf16ps; and its backward-weights tiles, each pair of output positions multiplied
// by one. And the fused pass that masks, sums and rounds dy for the bf16 backward.
#include "kernels/conv2d_direct_impl.h"

namespace cnn {
namespace {

void forward_pairs(const DirectGeom& g, const uint32_t* xpairs, const uint32_t* wpairs, const float* bias, float* y,
                   bool acc) {
  forward_image<16, 32, Bf16PairMadd<16>>(g, xpairs, wpairs, bias, y, acc);
}

// MaskedDyBf16Fn: sixteen values per step; sum_floats' eight lanes take each half in turn,
// so the additions are the scalar loop's, in its order.
template <bool kMask>
float masked_dy_bf16(const float* dy, const float* relu_y, size_t n, uint16_t* out) {
  const __m512 zero = _mm512_setzero_ps();
  auto masked = [&](__mmask16 lanes, size_t i) {
    const __m512 d = _mm512_maskz_loadu_ps(lanes, dy + i);
    if (!kMask) return d;
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(lanes, relu_y + i), zero, _CMP_GT_OQ), d);
  };
  __m256 sums = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 m = masked(0xFFFF, i);
    sums = _mm256_add_ps(sums, _mm512_extractf32x8_ps(m, 0));
    sums = _mm256_add_ps(sums, _mm512_extractf32x8_ps(m, 1));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), (__m256i)_mm512_cvtneps_pbh(m));
  }
  float rest[16] = {};
  size_t scalars = i;  // where sum_floats' scalar tail starts
  if (i < n) {
    const __mmask16 lanes = (__mmask16)((1u << (n - i)) - 1);
    const __m512 m = masked(lanes, i);
    _mm256_mask_storeu_epi16(out + i, lanes, (__m256i)_mm512_cvtneps_pbh(m));
    if (n - i >= 8) {
      sums = _mm256_add_ps(sums, _mm512_extractf32x8_ps(m, 0));
      scalars = i + 8;
    }
    _mm512_storeu_ps(rest, m);
  }
  float lane[8];
  _mm256_storeu_ps(lane, sums);
  float total = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
  for (size_t k = scalars; k < n; ++k) total += rest[k - i];
  return total;
}

float masked_dy(const float* dy, const float* relu_y, size_t n, uint16_t* out) {
  return relu_y ? masked_dy_bf16<true>(dy, relu_y, n, out) : masked_dy_bf16<false>(dy, relu_y, n, out);
}

}  // namespace

MaskedDyBf16Fn conv_direct_masked_dy_bf16_avx512bf16() { return masked_dy; }
DirectPairForwardFn conv_direct_forward_pairs_avx512bf16() { return forward_pairs; }
DirectPairWeightsFn conv_direct_weights_pairs_avx512bf16() {
  return backward_weights_image_pairs<16, Bf16PairMadd<16>, 2>;
}

}  // namespace cnn
