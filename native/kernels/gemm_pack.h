// Packing of A and B into the panel layouts of gemm_kernel.h, shared by every GEMM path.
// Packing absorbs the transpositions, so each micro-kernel sees one layout. Everything here
// sits in an anonymous namespace, so each path's translation unit compiles its own private
// copy with its own -m flags: the linker can never merge an AVX-512 build of this code into
// a baseline caller (as it may with ordinary inline functions and templates).
//   Shape::MR, Shape::NR: the register block of the including path.
#pragma once
#include <cstddef>

namespace cnn {
namespace {

// One (kc, R) panel from R rows of a row-major source: dst[k][r] = src[r * ld + k].
// Rows past `rows` are zero-filled. Reads run along each row; writes stay in one panel.
template <int R>
inline void pack_panel_rows(const float* src /* (rows, ld) */, size_t ld, int rows, int kc, float* dst /* (kc, R) */) {
  for (int r = 0; r < rows; ++r) {
    const float* s = src + r * ld;
    for (int k = 0; k < kc; ++k) dst[(size_t)k * R + r] = s[k];
  }
  for (int r = rows; r < R; ++r)
    for (int k = 0; k < kc; ++k) dst[(size_t)k * R + r] = 0.0f;
}

// One (kc, R) panel from kc rows that already hold the R values contiguously:
// dst[k][r] = src[k * ld + r], with r >= cols zero-filled.
template <int R>
inline void pack_panel_cols(const float* src /* (kc, ld) */, size_t ld, int cols, int kc, float* dst /* (kc, R) */) {
  if (cols == R) {
    for (int k = 0; k < kc; ++k)
      for (int r = 0; r < R; ++r) dst[(size_t)k * R + r] = src[k * ld + r];
    return;
  }
  for (int k = 0; k < kc; ++k) {
    for (int r = 0; r < cols; ++r) dst[(size_t)k * R + r] = src[k * ld + r];
    for (int r = cols; r < R; ++r) dst[(size_t)k * R + r] = 0.0f;
  }
}

template <class Shape>
void pack_a_panels(bool trans, const float* A, int lda, int i0, int p0, int mc, int kc,
                   float* Ap /* ceil(mc/MR) x (kc, MR) */) {
  constexpr int MR = Shape::MR;
  for (int ir = 0; ir < mc; ir += MR) {
    int rows = mc - ir < MR ? mc - ir : MR;
    float* dst = Ap + (size_t)ir * kc;
    if (trans)  // A is (K, M): the MR values for one k are contiguous
      pack_panel_cols<MR>(A + (size_t)p0 * lda + i0 + ir, lda, rows, kc, dst);
    else  // A is (M, K): each row of op(A) is contiguous
      pack_panel_rows<MR>(A + (size_t)(i0 + ir) * lda + p0, lda, rows, kc, dst);
  }
}

template <class Shape>
void pack_b_panels(bool trans, const float* B, int ldb, int p0, int j0, int kc, int nc,
                   float* Bp /* ceil(nc/NR) x (kc, NR) */) {
  constexpr int NR = Shape::NR;
  if (!trans) {  // B is (K, N): walk each row of B once, dealing NR-wide pieces to the panels
    const int full = nc / NR * NR;
    for (int k = 0; k < kc; ++k) {
      const float* src = B + (size_t)(p0 + k) * ldb + j0;
      for (int jr = 0; jr < full; jr += NR)
        for (int j = 0; j < NR; ++j) Bp[(size_t)jr * kc + (size_t)k * NR + j] = src[jr + j];
    }
    if (full < nc) pack_panel_cols<NR>(B + (size_t)p0 * ldb + j0 + full, ldb, nc - full, kc, Bp + (size_t)full * kc);
    return;
  }
  for (int jr = 0; jr < nc; jr += NR) {  // B is (N, K): each column of op(B) is a row of B
    int cols = nc - jr < NR ? nc - jr : NR;
    pack_panel_rows<NR>(B + (size_t)(j0 + jr) * ldb + p0, ldb, cols, kc, Bp + (size_t)jr * kc);
  }
}

}  // namespace
}  // namespace cnn
