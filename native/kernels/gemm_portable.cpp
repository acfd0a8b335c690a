// GEMM path in plain C++ for any x86-64 (baseline SSE2, no FMA): a 4x16 micro-kernel written
// as fixed-size loops the compiler unrolls and vectorises into 4-float SSE registers (of the
// shapes tried, 4x16 came out fastest from GCC 12). It is the fallback for CPUs without
// AVX2+FMA.
#include "kernels/gemm_kernel.h"
#include "kernels/gemm_pack.h"

namespace cnn {
namespace {

struct Shape {
  static constexpr int MR = 4, NR = 16;
};
constexpr int MR = Shape::MR, NR = Shape::NR;

// C[0:R, 0:nr] = alpha * Ap Bp + beta * C for one panel pair.
template <int R>
void micro_rows(int kc, const float* __restrict a /* (kc, MR) */, const float* __restrict b /* (kc, ldb) */, int ldb,
                float* c /* (R, ldc) */, int ldc, int nr, float alpha, float beta) {
  float acc[R][NR] = {};
  for (int k = 0; k < kc; ++k) {
    _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) {
      const float av = a[r];
      for (int j = 0; j < NR; ++j) acc[r][j] += av * b[j];
    }
    a += MR;
    b += ldb;
  }
  _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) {
    float* cr = c + (size_t)r * ldc;
    if (beta == 0.0f)
      for (int j = 0; j < nr; ++j) cr[j] = alpha * acc[r][j];
    else
      for (int j = 0; j < nr; ++j) cr[j] = alpha * acc[r][j] + beta * cr[j];
  }
}

void micro(int kc, const float* a, const float* b, int ldb, float* c, int ldc, int mr, int nr, float alpha,
           float beta) {
  switch (mr) {
    case 4: return micro_rows<4>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 3: return micro_rows<3>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 2: return micro_rows<2>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    case 1: return micro_rows<1>(kc, a, b, ldb, c, ldc, nr, alpha, beta);
    default: return;
  }
}

constexpr GemmKernel kKernel = {
    "portable", MR, NR, /*kc*/ 256, /*mc*/ 4 * 192, /*nc*/ 512, pack_a_panels<Shape>, pack_b_panels<Shape>, micro,
};

}  // namespace

const GemmKernel& gemm_kernel_portable() { return kKernel; }

}  // namespace cnn
