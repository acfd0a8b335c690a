// GEMM loop nest (BLIS order, baseline code): for each block of MC rows of A and each KC
// slice of K, pack A into (KC, MR) panels; for each block of NC columns of B, pack B into
// (KC, NR) panels; then run the micro-kernel on every (MR, NR) tile, NR-panels innermost.
// One A panel (MR x KC) stays in L1 while the packed B block (KC x NC) streams from L2.
// When A is short (a few panels, as in convolutions with few output channels) or A's block
// and one B panel fit in L1 together (short K), B is not packed: the loop turns around, each
// NR-column panel of B is read in place once and serves every A panel while it sits in L1.
// Packing B there costs a full extra pass over B that only 2-4 A panels share, and each A
// panel re-reads the packed B from L2. Taller A with long K measured slower in place: there
// the A stream evicts the B panel from L1.
// Packing buffers are per thread, 64-byte aligned, grown on demand and kept: no allocation
// per call in steady state. If one cannot be allocated, a plain loop computes the tile.
#include "kernels/gemm_blocking.h"
#include "kernels/activation.h"
#include "kernels/aligned_buffer.h"
#include <cstdlib>

namespace cnn {

static int min_int(int a, int b) { return a < b ? a : b; }
static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static int round_up(int a, int b) { return ceil_div(a, b) * b; }

using PackBuffer = AlignedBuffer<float>;

// Fallback when packing memory is unavailable: the definition, element by element.
static void naive_tile(const GemmProblem& p, int i0, int i1, int j0, int j1) {
  for (int i = i0; i < i1; ++i) {
    float* c = p.C + (size_t)i * p.ldc;
    for (int j = j0; j < j1; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < p.K; ++k) {
        float a = p.trans_a ? p.A[(size_t)k * p.lda + i] : p.A[(size_t)i * p.lda + k];
        float b = p.trans_b ? p.B[(size_t)j * p.ldb + k] : p.B[(size_t)k * p.ldb + j];
        sum += a * b;
      }
      c[j] = p.beta == 0.0f ? p.alpha * sum : p.alpha * sum + p.beta * c[j];
    }
  }
}

// Fallback of gemm_tile_packed_b when packing memory is unavailable.
static void naive_packed_b(const GemmKernel& kern, const GemmProblem& p) {
  for (int i = 0; i < p.M; ++i) {
    for (int j = 0; j < p.N; ++j) {
      float* c = p.c_at(i, j);
      const float* panel = p.B + (size_t)(j / kern.nr) * p.K * kern.nr + j % kern.nr;
      float sum = 0.0f;
      for (int k = 0; k < p.K; ++k) {
        float a = p.trans_a ? p.A[(size_t)k * p.lda + i] : p.A[(size_t)i * p.lda + k];
        sum += a * panel[(size_t)k * kern.nr];
      }
      *c = p.beta == 0.0f ? p.alpha * sum : p.alpha * sum + p.beta * *c;
      if (p.out.relu) *c = relu_of(*c);
    }
  }
}

// C[0:rows, 0:cols] = relu_of(C): a finished tile, while it is in L1.
static void relu_tile(float* c, int ldc, int rows, int cols) {
  for (int i = 0; i < rows; ++i) relu_in_place(c + (size_t)i * ldc, (size_t)cols);
}

// Block length for a dimension of `total`: at most `limit`, the blocks as even as possible
// (a thin last block wastes the C traffic it costs), rounded up to a multiple of `unit`.
static int even_block(int total, int limit, int unit) {
  int blocks = ceil_div(total, limit);
  return min_int(limit, round_up(ceil_div(total, blocks), unit));
}

// Where the micro-kernel finds B: the panel for columns jr.. starts at base + jr * col_step
// and its rows are `stride` floats apart.
struct BPanels {
  const float* base;
  size_t col_step;
  int stride;
};

// B is read in place for at most this many A panels, or when the packed A block and one B
// panel take at most kInPlaceL1Floats (48 KiB, the Xeon's and Zen 5's L1d).
static constexpr int kInPlaceMaxPanels = 4;
static constexpr size_t kInPlaceL1Floats = 12 * 1024;

static bool read_b_in_place(const GemmKernel& kern, const GemmProblem& p, int rows, int kc) {
  if (p.trans_b) return false;
  if (rows <= kInPlaceMaxPanels * kern.mr) return true;
  return (size_t)(round_up(rows, kern.mr) + kern.nr) * kc <= kInPlaceL1Floats;
}

// Every (MR, NR) tile of C[ic:ic+mc, jc:jc+nc] from packed A panels and the B panels,
// A panels innermost: each B panel is loaded once and reused from L1.
static void run_micro_tiles_b_outer(const GemmKernel& kern, const GemmProblem& p, const float* Ap, BPanels b, int ic,
                                    int mc, int jc, int nc, int kc, float beta) {
  for (int jr = 0; jr < nc; jr += kern.nr) {
    const float* bp = b.base + jr * b.col_step;
    const int nr = min_int(kern.nr, nc - jr);
    for (int ir = 0; ir < mc; ir += kern.mr)
      kern.micro(kc, Ap + (size_t)ir * kc, bp, b.stride, p.C + (size_t)(ic + ir) * p.ldc + jc + jr, p.ldc,
                 min_int(kern.mr, mc - ir), nr, p.alpha, beta);
  }
}

// Every (MR, NR) tile of C[ic:ic+mc, jc:jc+nc] from packed A panels and the B panels,
// B panels innermost: the A panel stays in L1 while the packed B block streams from L2.
// relu: the slice is the last, and each finished tile gets the ReLU (p.out.relu).
static void run_micro_tiles(const GemmKernel& kern, const GemmProblem& p, const float* Ap, BPanels b, int ic, int mc,
                            int jc, int nc, int kc, float beta, bool relu = false) {
  for (int ir = 0; ir < mc; ir += kern.mr) {
    const float* a = Ap + (size_t)ir * kc;
    int mr = min_int(kern.mr, mc - ir);
    for (int jr = 0; jr < nc; jr += kern.nr) {
      const int nr = min_int(kern.nr, nc - jr);
      float* c = p.c_at(ic + ir, jc + jr);  // a tile lies within one block of p.out
      kern.micro(kc, a, b.base + jr * b.col_step, b.stride, c, p.ldc, mr, nr, p.alpha, beta);
      if (relu) relu_tile(c, p.ldc, mr, nr);
    }
  }
}

// C[ic:ic+mc, jc:jc+nc] for one K slice. B is packed, except when it is not transposed and
// A is short: then the micro-kernel reads whole NR-column panels of B in place and only a
// ragged last panel is packed.
static void run_block(const GemmKernel& kern, const GemmProblem& p, const float* Ap, float* Bp, bool b_in_place, int ic,
                      int mc, int pc, int kc, int jc, int nc, float beta) {
  const BPanels packed{Bp, (size_t)kc, kern.nr};
  if (!b_in_place) {
    kern.pack_b(p.trans_b, p.B, p.ldb, pc, jc, kc, nc, Bp);
    return run_micro_tiles(kern, p, Ap, packed, ic, mc, jc, nc, kc, beta);
  }
  const int full = nc / kern.nr * kern.nr;
  const BPanels in_place{p.B + (size_t)pc * p.ldb + jc, 1, p.ldb};
  run_micro_tiles_b_outer(kern, p, Ap, in_place, ic, mc, jc, full, kc, beta);
  if (full == nc) return;
  kern.pack_b(false, p.B, p.ldb, pc, jc + full, kc, nc - full, Bp);
  run_micro_tiles_b_outer(kern, p, Ap, packed, ic, mc, jc + full, nc - full, kc, beta);
}

void gemm_tile(const GemmKernel& kern, const GemmProblem& p, int i0, int i1, int j0, int j1) {
  if (i0 >= i1 || j0 >= j1) return;
  const int mc_step = even_block(i1 - i0, kern.mc, kern.mr);
  const int kc_step = even_block(p.K, kern.kc, 1);
  const int nc_step = even_block(j1 - j0, kern.nc, kern.nr);
  const bool b_in_place = read_b_in_place(kern, p, mc_step, kc_step);
  thread_local PackBuffer a_buf, b_buf;
  float* Ap = a_buf.get((size_t)round_up(mc_step, kern.mr) * kc_step);
  float* Bp = b_buf.get((size_t)round_up(nc_step, kern.nr) * kc_step);
  if (!Ap || !Bp) return naive_tile(p, i0, i1, j0, j1);

  for (int ic = i0; ic < i1; ic += mc_step) {
    int mc = min_int(mc_step, i1 - ic);
    for (int pc = 0; pc < p.K; pc += kc_step) {
      int kc = min_int(kc_step, p.K - pc);
      float beta = pc == 0 ? p.beta : 1.0f;  // later K slices accumulate onto the first
      kern.pack_a(p.trans_a, p.A, p.lda, ic, pc, mc, kc, Ap);
      for (int jc = j0; jc < j1; jc += nc_step)
        run_block(kern, p, Ap, Bp, b_in_place, ic, mc, pc, kc, jc, min_int(nc_step, j1 - jc), beta);
    }
  }
}

void gemm_tile_packed_b(const GemmKernel& kern, const GemmProblem& p) {
  if (p.M <= 0 || p.N <= 0) return;
  const int mc_step = even_block(p.M, kern.mc, kern.mr);
  const int kc_step = even_block(p.K, kern.kc, 1);  // as gemm_tile: the same K slices, the same sums
  const int nc_step = even_block(p.N, kern.nc, kern.nr);
  thread_local PackBuffer a_buf;
  float* Ap = a_buf.get((size_t)round_up(mc_step, kern.mr) * kc_step);
  if (!Ap) return naive_packed_b(kern, p);

  for (int ic = 0; ic < p.M; ic += mc_step) {
    int mc = min_int(mc_step, p.M - ic);
    for (int pc = 0; pc < p.K; pc += kc_step) {
      int kc = min_int(kc_step, p.K - pc);
      float beta = pc == 0 ? p.beta : 1.0f;
      kern.pack_a(p.trans_a, p.A, p.lda, ic, pc, mc, kc, Ap);
      // Rows pc.. of every panel; the (kc, nc) block of B stays in L2 while the A panels pass.
      const BPanels b{p.B + (size_t)pc * kern.nr, (size_t)p.K, kern.nr};
      const bool relu = p.out.relu && pc + kc == p.K;
      for (int jc = 0; jc < p.N; jc += nc_step)
        run_micro_tiles(kern, p, Ap, BPanels{b.base + (size_t)jc * b.col_step, b.col_step, b.stride}, ic, mc, jc,
                        min_int(nc_step, p.N - jc), kc, beta, relu);
    }
  }
}

}  // namespace cnn
