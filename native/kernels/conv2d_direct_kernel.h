// The per-instruction-set half of the direct convolution (conv2d_direct.cpp drives it):
// what one path (AVX-512, AVX2+FMA, portable) supplies, each in its own translation unit
// built with its own -m flags and reached only through this table, as the GEMM's paths are.
//
// Buffers are channel-minor with a row stride ocp (the output channels rounded up to 16, so
// every vector width divides it; the lanes past oc are zero):
//   wt   (C*KH*KW, ocp): the filters transposed, wt[(c*KH + i)*KW + j][o] = w[o][c][i][j]
//   dyT  (OH*OW, ocp):   one image's output gradient transposed
//   dwT  (C*KH*KW, ocp): filter gradients in wt's layout
//   xpad (C, hp, wp):    one image with its zero padding written out, so no bounds checks
#pragma once
#include <cstddef>
#include <cstdint>

namespace cnn {

// Floats every padded plane buffer has past its end, zeroed: whole-vector loads of the
// column-vectorised forward tiles may read up to 15 floats beyond the last row.
constexpr int kDirectPlaneSlack = 16;

// Row stride of the zero-padded copy of dy (OC, OH, direct_dy_row(OW)) that the
// column-vectorised backward-weights reads instead of dyT.
inline size_t direct_dy_row(int ow) { return ((size_t)ow + 15) / 16 * 16; }

struct DirectGeom {
  int c, kh, kw, sh, sw;
  int hp, wp;     // the padded input plane
  int top, rows;  // its rows [top, top + rows) hold data, the others are zero padding
  int oh, ow;     // output plane
  int oc, ocp;    // output channels; row stride of the channel-minor buffers (a multiple of 16)
};

struct ConvDirectKernels {
  const char* name;
  // y (OC, OH, OW) of one image = bias + conv(xpad, wt), or y += conv(xpad, wt) when
  // accumulate (bias is then ocp zeros). bias is (ocp), zero-padded.
  void (*forward_image)(const DirectGeom& g, const float* xpad, const float* wt, const float* bias, float* y,
                        bool accumulate);
  // Whether backward_weights_image wants dy as dyT (false) or as the row-padded copy (true).
  bool (*weights_by_columns)(const DirectGeom& g);
  // dwT += the filter gradient of one image; dy is dyT or the padded copy, as above.
  void (*backward_weights_image)(const DirectGeom& g, const float* xpad, const float* dy, float* dwT);
  // dst[q * ld + o] = src[o * p + q] for o < oc, q < p: one image's dy planes as dyT.
  void (*transpose_planes)(const float* src, int oc, size_t p, float* dst, size_t ld);
  // forward_image in bf16 (forward_image_pairs below), on this unit's FMAs.
  void (*forward_image_pairs)(const DirectGeom& g, const uint32_t* xpairs, const uint32_t* wpairs, const float* bias,
                              float* y, bool accumulate);
  // backward_weights_image in bf16 (DirectPairWeightsFn below), on this unit's FMAs.
  void (*weights_image_pairs)(const DirectGeom& g, const uint16_t* xbf, const uint32_t* dyT2, float* dwT);
};

// Row length of bf16 backward-weights' rounded planes: the padded row, or at stride 2 its even
// columns then its odd ones, each half ceil(wp / 2) values.
inline size_t direct_pair_row(const DirectGeom& g) { return g.sh == 1 ? (size_t)g.wp : ((size_t)g.wp + 1) / 2 * 2; }

// backward_weights_image for bf16, 3x3 filters at stride 1 or 2: xbf the zero-bordered planes
// rounded to bf16 (rows of direct_pair_row values), dyT2 (OH, (OW + 1) / 2, ocp) pairs of
// consecutive output positions' dy (the second zero past an odd row's end); dwT (CKK, ocp) +=
// the products, summed in fp32.
using DirectPairWeightsFn = void (*)(const DirectGeom& g, const uint16_t* xbf, const uint32_t* dyT2, float* dwT);
DirectPairWeightsFn conv_direct_weights_pairs_avx512bf16();  // conv2d_direct_avx512bf16.cpp

// forward_image for bf16: planes and filters of channel pairs, each 32-bit element two bf16
// values of channels 2c (low half) and 2c + 1, g.c counting pairs; products summed in fp32.
// The AVX512-BF16 unit's multiplies each pair with one vdpbf16ps.
using DirectPairForwardFn = void (*)(const DirectGeom& g, const uint32_t* xpairs, const uint32_t* wpairs,
                                     const float* bias, float* y, bool accumulate);
DirectPairForwardFn conv_direct_forward_pairs_avx512bf16();  // conv2d_direct_avx512bf16.cpp

// One plane of dy in a bf16 backward, in one pass: m = dy where relu_y > 0 and 0 elsewhere
// (m = dy when relu_y is null) rounded to bf16 into out (n values), and the sum of m returned
// in sum_floats' order. The same bits as the ReLU's mask, sum_floats and round_bf16 in turn.
using MaskedDyBf16Fn = float (*)(const float* dy, const float* relu_y, size_t n, uint16_t* out);
MaskedDyBf16Fn conv_direct_masked_dy_bf16_avx512bf16();  // conv2d_direct_avx512bf16.cpp
MaskedDyBf16Fn conv_direct_masked_dy_bf16_portable();    // conv2d_direct_portable.cpp

const ConvDirectKernels& conv_direct_kernels_avx512();    // conv2d_direct_avx512.cpp
const ConvDirectKernels& conv_direct_kernels_avx2();      // conv2d_direct_avx2.cpp
const ConvDirectKernels& conv_direct_kernels_portable();  // conv2d_direct_portable.cpp

}  // namespace cnn
