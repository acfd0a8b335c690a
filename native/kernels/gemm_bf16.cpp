// The bf16 GEMM driver (baseline code; see gemm_bf16.h): rounding to bfloat16 while packing,
// the blocked loop nest, the division of C among threads, and the choice of path. The loop
// nest is BLIS's: for each block of columns of B and each slice of K, pack B once; for each
// block of rows of A, pack A and run the micro-kernel on every tile, the A panel held in L1
// while the packed B block streams from L2. Packing buffers are per thread and kept.
#include "kernels/gemm_bf16.h"
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include "kernels/activation.h"
#include "kernels/aligned_buffer.h"
#include "kernels/bf16.h"
#include "kernels/gemm_bf16_kernel.h"
#include "kernels/gemm_grid.h"
#include "kernels/threads.h"

namespace cnn {
namespace {

// Below this many multiply-adds a second thread costs more than it saves (as in gemm.cpp).
constexpr double kParallelMinMacs = 128.0 * 128.0 * 128.0;

int min_int(int a, int b) { return a < b ? a : b; }
int ceil_div(int a, int b) { return (a + b - 1) / b; }
int round_up(int a, int b) { return ceil_div(a, b) * b; }

struct Problem {
  bool trans_a, trans_b;
  int M, N, K;
  float alpha;
  const float* A;
  int lda;
  const float* B;
  int ldb;
  float beta;
  float* C;
  int ldc;
  // sgemm_bf16_serial_packed_a only: where C is (in column blocks) and whether a ReLU follows.
  GemmOutput out{nullptr, 0};
  float* c_at(int i, int j) const { return out.c ? out.at(i, j) : C + (size_t)i * ldc + j; }
};

using Bf16Buffer = AlignedBuffer<uint16_t>;

// Pairs of K a packed slice of kc values holds: whole pairs, rounded up to the kernel's unit.
int padded_pairs(const Bf16GemmKernel& kern, int kc) { return round_up(ceil_div(kc, 2), kern.pair_unit); }

// Fallback when packing memory is unavailable: the definition on rounded values, element by
// element, in the portable path's order; both operands' values come from their sources one
// pair of K by one row or column at a time (a 1-wide panel of one pair, on the stack, whose
// layout is the same whichever way round).
void naive_tile(const Problem& p, const Bf16PanelSource& a, const Bf16PanelSource& b, int i0, int i1, int j0, int j1) {
  for (int j = j0; j < j1; ++j)
    for (int i = i0; i < i1; ++i) {
      float sum = 0.0f;
      for (int k = 0; k < p.K; k += 2) {
        const int kc = k + 1 < p.K ? 2 : 1;
        uint16_t a_pair[2], b_pair[2];
        a.pack(i, k, 1, kc, 1, 1, a_pair);
        b.pack(j, k, 1, kc, 1, 1, b_pair);
        if (k + 1 < p.K) sum += bf16_to_float(a_pair[1]) * bf16_to_float(b_pair[1]);
        sum += bf16_to_float(a_pair[0]) * bf16_to_float(b_pair[0]);
      }
      float* c = p.c_at(i, j);
      *c = p.beta == 0.0f ? p.alpha * sum : p.alpha * sum + p.beta * *c;
      if (p.out.relu) *c = relu_of(*c);
    }
}

// Block length for a dimension of `total`: at most `limit`, as even as possible, a multiple of `unit`.
int even_block(int total, int limit, int unit) {
  int blocks = ceil_div(total, limit);
  return min_int(limit, round_up(ceil_div(total, blocks), unit));
}

// Rows per A panel for a block of mc rows: mr, or where the path takes panels of any height,
// the height that costs the micro-kernel least per pair of K. A tile of h rows costs h steps
// (its multiply-adds) but no fewer than kLatencyRows (its chains of sums would wait on each
// other), and one more for loading its B vectors; of equal costs the lowest height, the most
// even split: 32 rows as 11 + 11 + 10, not 14 + 14 + 4, 16 as 8 + 8.
int panel_height(const Bf16GemmKernel& kern, int mc) {
  if (!kern.any_panel_height) return kern.mr;
  constexpr int kLatencyRows = 7;
  int best = kern.mr, best_cost = -1;
  for (int h = kern.mr; h >= 1; --h) {
    const int tiles = ceil_div(mc, h), last = mc - (tiles - 1) * h;
    const int cost = (tiles - 1) * (h + 1) + (last > kLatencyRows ? last : kLatencyRows) + 1;
    if (best_cost < 0 || cost <= best_cost) best = h, best_cost = cost;
  }
  return best;
}

// An operand read from memory (fp32), packed by the path's own packer in `layout`.
class OperandSource final : public Bf16PanelSource {
 public:
  OperandSource(const Bf16GemmKernel& kern, Bf16Operand x, Bf16PanelLayout layout)
      : kern_(kern), x_(x), layout_(layout) {}
  void pack(int r0, int p0, int rows, int kc, int width, int kc2, uint16_t* out) const override {
    kern_.pack(x_, r0, p0, rows, kc, width, kc2, layout_, out);
  }

 private:
  const Bf16GemmKernel& kern_;
  Bf16Operand x_;
  Bf16PanelLayout layout_;
};

Bf16Operand a_of(const Problem& p) { return Bf16Operand{p.A, p.lda, !p.trans_a}; }
Bf16Operand b_of(const Problem& p) { return Bf16Operand{p.B, p.ldb, p.trans_b}; }

// How a tile gets its operands: A's panels in the layout `micro` reads, B's in the shared one.
// packed_a, where set, holds all of A already packed (gemm_bf16_pack_a's layout); `a` then
// serves only the fallback.
struct Operands {
  const Bf16PanelSource& a;
  Bf16Micro micro;
  const Bf16PanelSource& b;
  const uint16_t* packed_a = nullptr;
};

int mc_step_of(const Bf16GemmKernel& kern, int rows) { return even_block(rows, kern.mc, kern.mr); }
int kc_step_of(const Bf16GemmKernel& kern, int K) { return even_block(K, 2 * kern.kc2, 2); }

// Elements of one packed block of A: whole panels of `height` rows, kc2 pairs each.
size_t a_block_elements(int mc, int height, int kc2) { return (size_t)round_up(mc, height) * kc2 * 2; }

// Calls fn(ic, mc, height, pc, kc, kc2, offset) for each block of A (rows [0, M)) in the order
// tile() multiplies them, offset its start in A packed whole; returns the elements of all.
template <class Fn>
size_t for_each_a_block(const Bf16GemmKernel& kern, int M, int K, Fn fn) {
  const int mc_step = mc_step_of(kern, M), kc_step = kc_step_of(kern, K);
  size_t offset = 0;
  for (int pc = 0; pc < K; pc += kc_step) {
    const int kc = min_int(kc_step, K - pc), kc2 = padded_pairs(kern, kc);
    for (int ic = 0; ic < M; ic += mc_step) {
      const int mc = min_int(mc_step, M - ic), height = panel_height(kern, mc);
      fn(ic, mc, height, pc, kc, kc2, offset);
      offset += a_block_elements(mc, height, kc2);
    }
  }
  return offset;
}

// C[i0:i1, j0:j1] on the calling thread. Every element sums over K in the same order
// whatever the rectangle, so results do not depend on the thread count.
void tile(const Bf16GemmKernel& kern, const Problem& p, const Operands& ops, int i0, int i1, int j0, int j1) {
  if (i0 >= i1 || j0 >= j1) return;
  const int mc_step = mc_step_of(kern, i1 - i0), kc_step = kc_step_of(kern, p.K);
  const int nc_step = even_block(j1 - j0, kern.nc, kern.nr);
  thread_local Bf16Buffer a_buf, b_buf;
  const size_t slice = (size_t)padded_pairs(kern, kc_step) * 2;
  uint16_t* Ap = ops.packed_a ? nullptr : a_buf.get((size_t)round_up(mc_step, kern.mr) * slice);
  uint16_t* Bp = b_buf.get((size_t)round_up(nc_step, kern.nr) * slice);
  if ((!ops.packed_a && !Ap) || !Bp) return naive_tile(p, ops.a, ops.b, i0, i1, j0, j1);
  for (int jc = j0; jc < j1; jc += nc_step) {
    const int nc = min_int(nc_step, j1 - jc);
    size_t a_offset = 0;  // where this block starts in packed_a (for_each_a_block's order)
    for (int pc = 0; pc < p.K; pc += kc_step) {
      const int kc = min_int(kc_step, p.K - pc), kc2 = padded_pairs(kern, kc);
      const float beta = pc == 0 ? p.beta : 1.0f;      // later K slices accumulate onto the first
      const bool relu = p.out.relu && pc + kc == p.K;  // each finished tile, while in L1
      ops.b.pack(jc, pc, nc, kc, kern.nr, kc2, Bp);
      for (int ic = i0; ic < i1; ic += mc_step) {
        const int mc = min_int(mc_step, i1 - ic);
        const int height = panel_height(kern, mc);
        const uint16_t* a_block = Ap;
        if (ops.packed_a)
          a_block = ops.packed_a + a_offset;
        else
          ops.a.pack(ic, pc, mc, kc, height, kc2, Ap);
        a_offset += a_block_elements(mc, height, kc2);
        for (int ir = 0; ir < mc; ir += height)
          for (int jr = 0; jr < nc; jr += kern.nr) {
            const int rows = min_int(height, mc - ir), cols = min_int(kern.nr, nc - jr);
            float* c = p.c_at(ic + ir, jc + jr);  // a tile lies within one block of p.out
            ops.micro(kc2, a_block + (size_t)ir * kc2 * 2, height, Bp + (size_t)jr * kc2 * 2, c, p.ldc, rows, cols,
                      p.alpha, beta);
            if (relu)
              for (int r = 0; r < rows; ++r) relu_in_place(c + (size_t)r * p.ldc, (size_t)cols);
          }
      }
    }
  }
}

// Both operands from memory, packed by the path's packer.
void tile(const Bf16GemmKernel& kern, const Problem& p, int i0, int i1, int j0, int j1) {
  const OperandSource a(kern, a_of(p), kern.a_layout), b(kern, b_of(p), Bf16PanelLayout::KMajor);
  tile(kern, p, Operands{a, kern.micro, b}, i0, i1, j0, j1);
}

// Handles the cases that need no multiplication; true if nothing is left to do.
bool trivial(int M, int N, int K, float alpha, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return true;
  if (K > 0 && alpha != 0.0f) return false;
  if (beta == 1.0f) return true;
  for (int i = 0; i < M; ++i) {
    float* c = C + (size_t)i * ldc;
    if (beta == 0.0f)
      std::memset(c, 0, sizeof(float) * N);
    else
      for (int j = 0; j < N; ++j) c[j] *= beta;
  }
  return true;
}

// The kernel table for `name`, or nullptr if the name is unknown or this machine cannot run it.
const Bf16GemmKernel* kernel_named(const char* name) {
  if (!name) return nullptr;
  for (const Bf16GemmKernel* k :
       {&gemm_bf16_kernel_amx(), &gemm_bf16_kernel_avx512bf16(), &gemm_bf16_kernel_portable()})
    if (std::strcmp(name, k->name) == 0) return k->available() ? k : nullptr;
  return nullptr;
}

const Bf16GemmKernel* initial_kernel() {
  if (const Bf16GemmKernel* forced = kernel_named(std::getenv("CNN_GEMM_PATH"))) return forced;
  for (const char* name : {"amx", "avx512bf16"})
    if (const Bf16GemmKernel* k = kernel_named(name)) return k;
  return &gemm_bf16_kernel_portable();
}

std::atomic<const Bf16GemmKernel*>& current() {
  static std::atomic<const Bf16GemmKernel*> kernel{initial_kernel()};
  return kernel;
}

}  // namespace

void sgemm_bf16_serial(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                       const float* B, int ldb, float beta, float* C, int ldc) {
  if (trivial(M, N, K, alpha, beta, C, ldc)) return;
  const Problem p{trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc};
  tile(*current().load(std::memory_order_acquire), p, 0, M, 0, N);
}

void sgemm_bf16(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                int ldb, float beta, float* C, int ldc) {
  if (trivial(M, N, K, alpha, beta, C, ldc)) return;
  const Problem p{trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc};
  const Bf16GemmKernel& kern = *current().load(std::memory_order_acquire);
  const int threads = num_threads();
  if ((double)M * N * K < kParallelMinMacs || threads <= 1) return tile(kern, p, 0, M, 0, N);
#pragma omp parallel num_threads(threads)
  {
#ifdef _OPENMP
    const int t = thread_id(), team = team_size();
#else
    const int t = 0, team = 1;
#endif
    const GemmRect r = gemm_thread_rect(M, N, K, kern.mr, kern.nr, t, team);
    tile(kern, p, r.i0, r.i1, r.j0, r.j1);
  }
}

void sgemm_bf16_serial_sourced_b(int M, int N, int K, float alpha, const float* A, int lda, const Bf16PanelSource& b,
                                 float beta, float* C, int ldc) {
  if (trivial(M, N, K, alpha, beta, C, ldc)) return;
  const Problem p{false, false, M, N, K, alpha, A, lda, nullptr, 0, beta, C, ldc};
  const Bf16GemmKernel& kern = *current().load(std::memory_order_acquire);
  const OperandSource a(kern, a_of(p), kern.a_layout);
  tile(kern, p, Operands{a, kern.micro, b}, 0, M, 0, N);
}

void sgemm_bf16_serial_sourced_a(int M, int N, int K, float alpha, const Bf16PanelSource& a, bool trans_b,
                                 const float* B, int ldb, float beta, float* C, int ldc) {
  if (trivial(M, N, K, alpha, beta, C, ldc)) return;
  const Problem p{false, trans_b, M, N, K, alpha, nullptr, 0, B, ldb, beta, C, ldc};
  const Bf16GemmKernel& kern = *current().load(std::memory_order_acquire);
  const OperandSource b(kern, b_of(p), Bf16PanelLayout::KMajor);
  tile(kern, p, Operands{a, kern.micro_row_major_a, b}, 0, M, 0, N);
}

size_t gemm_bf16_packed_a_elements(int M, int K) {
  if (M <= 0 || K <= 0) return 0;
  size_t most = 0;
  for (const Bf16GemmKernel* k :
       {&gemm_bf16_kernel_amx(), &gemm_bf16_kernel_avx512bf16(), &gemm_bf16_kernel_portable()})
    most = std::max(most, for_each_a_block(*k, M, K, [](int, int, int, int, int, int, size_t) {}));
  return most;
}

void gemm_bf16_pack_a(int M, int K, const float* A, int lda, uint16_t* out) {
  if (M <= 0 || K <= 0) return;
  const Bf16GemmKernel& kern = *current().load(std::memory_order_acquire);
  const Bf16Operand a{A, lda, true};
  for_each_a_block(kern, M, K, [&](int ic, int mc, int height, int pc, int kc, int kc2, size_t offset) {
    kern.pack(a, ic, pc, mc, kc, height, kc2, kern.a_layout, out + offset);
  });
}

void sgemm_bf16_serial_packed_a(int M, int N, int K, float alpha, const float* A, int lda, const uint16_t* packed_a,
                                const Bf16PanelSource& b, float beta, const GemmOutput& out) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) return gemm_output_scale(M, N, beta, out);
  const Problem p{false, false, M, N, K, alpha, A, lda, nullptr, 0, beta, out.c, out.ldc, out};
  const Bf16GemmKernel& kern = *current().load(std::memory_order_acquire);
  const OperandSource a(kern, a_of(p), kern.a_layout);
  tile(kern, p, Operands{a, kern.micro, b, packed_a}, 0, M, 0, N);
}

int gemm_bf16_panel_columns() { return current().load(std::memory_order_acquire)->nr; }

bool gemm_bf16_vector_packing() { return current().load(std::memory_order_acquire)->pack == bf16_pack_avx512bf16; }

const char* gemm_bf16_path() { return current().load(std::memory_order_acquire)->name; }

bool set_gemm_bf16_path(const char* name) {
  const Bf16GemmKernel* k = kernel_named(name);
  if (!k) return false;
  current().store(k, std::memory_order_release);
  return true;
}

}  // namespace cnn
