// bf16 GEMM path for any CPU: fp32 arithmetic on bfloat16 values, summing each pair of
// products in vdpbf16ps's order (the odd element of the pair, then the even one). A product
// of two bfloat16 values is exact in fp32, so each step rounds once, as the instruction does
// (which also flushes subnormal values to zero, as this path does not).
#include "kernels/bf16.h"
#include "kernels/gemm_bf16_kernel.h"

namespace cnn {
namespace {

constexpr int MR = 4, NR = 16;

// A panel (kc2, MR, 2), or row-major (MR, kc2, 2): the same sums either way.
template <bool kRowMajorA>
void micro(int kc2, const uint16_t* a, int /* panel_rows: always MR */, const uint16_t* b /* (kc2, NR, 2) */, float* c,
           int ldc, int mr, int nr, float alpha, float beta) {
  float acc[MR][NR] = {};
  for (int k = 0; k < kc2; ++k) {
    const uint16_t* bk = b + (size_t)k * NR * 2;
    for (int r = 0; r < MR; ++r) {
      const uint16_t* pair = kRowMajorA ? a + ((size_t)r * kc2 + k) * 2 : a + ((size_t)k * MR + r) * 2;
      const float a0 = bf16_to_float(pair[0]), a1 = bf16_to_float(pair[1]);
      for (int j = 0; j < NR; ++j) {
        acc[r][j] += a1 * bf16_to_float(bk[2 * j + 1]);
        acc[r][j] += a0 * bf16_to_float(bk[2 * j]);
      }
    }
  }
  for (int r = 0; r < mr; ++r) {
    float* cr = c + (size_t)r * ldc;
    for (int j = 0; j < nr; ++j) cr[j] = beta == 0.0f ? alpha * acc[r][j] : alpha * acc[r][j] + beta * cr[j];
  }
}

bool always() { return true; }

}  // namespace

const Bf16GemmKernel& gemm_bf16_kernel_portable() {
  static const Bf16GemmKernel kernel{
      "portable",         MR,           NR,         128, 64, 512, 1, Bf16PanelLayout::KMajor, false, always,
      bf16_pack_portable, micro<false>, micro<true>};
  return kernel;
}

}  // namespace cnn
