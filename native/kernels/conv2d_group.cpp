// The grouping of images for the GEMM convolution paths (see conv2d_group.h).
#include "kernels/conv2d_group.h"
#include <algorithm>
#include <cstddef>

namespace cnn {

// A GEMM wants many columns: with P = OH*OW small (8x8 or 7x7 planes) one image's product
// is too narrow to run the micro-kernel efficiently. So images are processed in groups of
// G: their column matrices side by side form one (CKK, G*P) matrix and one GEMM covers the
// group. G is chosen from the shape alone (never from the thread count, so the forward and
// backward-data results do not depend on it), reaching about kGroupColumns columns while the
// group's buffers stay within kGroupBytes (they are reused while hot in cache). Grouping
// costs a copy of the outputs (forward) or output gradients (backward) into the group's
// layout, which only a long enough K = CKK repays: below kGroupMinCkk (1x1 and 3x3 convs
// over few channels) measured slower, so those stay one image per GEMM.
// kGroupBytes keeps the column matrix in L2 (2 MiB per core on common server cores, next to
// the GEMM's ~0.7 MiB packed B block), so the GEMM packs what im2col just wrote from L2, not
// L3; but a group keeps at least kGroupMinColumns columns, as every GEMM repacks the filters
// (A) and that only pays over enough columns. Both bounds measured faster on the GEMM path's
// 3x3 and 7x7 convolutions than a larger group with no floor; a smaller one with no floor
// left too few columns per GEMM and ran slower.
namespace {

constexpr int kGroupColumns = 1024;
constexpr int kGroupMinColumns = 512;
constexpr size_t kGroupBytes = size_t(1) << 20;
constexpr int kGroupMinCkk = 256;

}  // namespace

bool conv_is_pointwise(const Conv2dShape& s) {
  return s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0;
}

int conv_group_images(const Conv2dShape& s) {
  const size_t p = (size_t)s.oh * s.ow, ckk = (size_t)s.c * s.kh * s.kw;
  if (conv_is_pointwise(s) || p >= (size_t)kGroupColumns || ckk < (size_t)kGroupMinCkk) return 1;
  size_t by_columns = (size_t)(kGroupColumns + p - 1) / p;
  size_t by_bytes = kGroupBytes / (sizeof(float) * (size_t)(ckk + s.oc) * p);
  size_t at_least = (size_t)(kGroupMinColumns + p - 1) / p;
  size_t g = std::min(by_columns, std::max({by_bytes, at_least, size_t(1)}));
  return (int)std::max<size_t>(1, std::min(g, (size_t)std::max(s.n, 1)));
}

// Row stride of a group buffer with `columns` columns: whole cache lines, and an odd number
// of them. A stride of a power of two bytes (P = 1024 floats is 4 KiB) sends every row of a
// GEMM panel to the same L1 set, and the kernel then misses on every row it touches: with
// the odd stride the same GEMMs measured several times faster.
int conv_group_ld(int columns) {
  int ld = (columns + 15) / 16 * 16;
  return (ld / 16) % 2 == 0 ? ld + 16 : ld;
}

}  // namespace cnn
