// The direct convolution kernels, written once with GCC vector extensions and compiled by
// each instruction-set translation unit (conv2d_direct_{avx512,avx2,portable}.cpp) with its
// own flags. Everything is in an anonymous namespace so each unit keeps its own copies: a
// shared template instance could otherwise be resolved to another unit's wider code.
//
// Forward: vectorised over output channels. For one output row and a block of NC columns,
// NC accumulator vectors (V channels each) run over (c, i, j): one vector load of the
// transposed filters wt[c,i,j][o0 : o0+V] and NC broadcasts of the padded input, so every
// lane does useful work when OC fills the vector, however few the input channels.
// Backward-weights: vectorised over output channels too; a TI x TJ tile of filter taps
// (i, j) of one input channel stays in registers while the image's output positions stream
// past (one load of dyT and TI*TJ broadcasts of xpad per position).
// When OC is small (LeNet's 6) and the output rows fill the vectors better, both have a
// variant vectorised over V output columns instead (stride 1): forward_image_cols and
// backward_weights_image_cols; each unit's table picks by lane use (forward_by_columns,
// weights_by_columns).
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#if defined(__SSE__)
#include <immintrin.h>
#endif
#include "kernels/conv2d_direct_kernel.h"

namespace cnn {
namespace {

template <int V>
struct Vec;
template <>
struct Vec<4> {
  typedef float type __attribute__((vector_size(16)));
  typedef float unaligned __attribute__((vector_size(16), aligned(4)));
  typedef int bits __attribute__((vector_size(16)));
  typedef unsigned ubits __attribute__((vector_size(16)));
};
template <>
struct Vec<8> {
  typedef float type __attribute__((vector_size(32)));
  typedef float unaligned __attribute__((vector_size(32), aligned(4)));
  typedef int bits __attribute__((vector_size(32)));
  typedef unsigned ubits __attribute__((vector_size(32)));
};
template <>
struct Vec<16> {
  typedef float type __attribute__((vector_size(64)));
  typedef float unaligned __attribute__((vector_size(64), aligned(4)));
  typedef int bits __attribute__((vector_size(64)));
  typedef unsigned ubits __attribute__((vector_size(64)));
};

template <int V>
inline typename Vec<V>::type load(const float* p) {
  return *(const typename Vec<V>::unaligned*)p;
}
template <int V>
inline void store(float* p, typename Vec<V>::type v) {
  *(typename Vec<V>::unaligned*)p = v;
}
template <int V>
inline typename Vec<V>::type splat(float s) {
#if defined(__AVX512F__)
  if constexpr (V == 16) return (typename Vec<V>::type)_mm512_set1_ps(s);
#endif
#if defined(__AVX__)
  if constexpr (V == 8) return (typename Vec<V>::type)_mm256_set1_ps(s);
#endif
#if defined(__SSE__)
  if constexpr (V == 4) return (typename Vec<V>::type)_mm_set1_ps(s);
#endif
  typename Vec<V>::type v{};
  return v + s;
}

// a * b + c, fused where the unit's instruction set has FMA (explicitly: the build does not
// contract a * b + c under -std=c++17).
template <int V>
inline typename Vec<V>::type madd(typename Vec<V>::type a, typename Vec<V>::type b, typename Vec<V>::type c) {
#if defined(__AVX512F__)
  if constexpr (V == 16) return (typename Vec<V>::type)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#endif
#if defined(__FMA__)
  if constexpr (V == 8) return (typename Vec<V>::type)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
  if constexpr (V == 4) return (typename Vec<V>::type)_mm_fmadd_ps((__m128)a, (__m128)b, (__m128)c);
#endif
  return a * b + c;
}

// p, with the compiler no longer knowing where it points. In forward_tile the broadcasts of
// column j + 1 are mostly the values column j loaded (shifted by one), and GCC keeps them in
// registers across j (predictive commoning), broadcasting register to vector: on Intel cores
// that broadcast runs on port 5, beside half of the 512-bit FMAs. Reloaded, each broadcast
// folds into its FMA as a memory operand ({1to16}), which the load ports serve: measured
// faster, on resnet20's 16-channel convolutions and on its whole training steps.
template <class T>
inline T* fresh_loads(T* p) {
#if defined(__GNUC__)
  asm("" : "+r"(p));
#endif
  return p;
}

// How the channel-vectorised forward tiles multiply. FloatMadd: input values and filters
// are floats, one FMA per (value, filter vector). Bf16PairMadd: each 32-bit element holds
// two bf16 values of consecutive channels (the even one in the low half), input and filters
// alike, and one multiply-add sums both products into the fp32 lane: vdpbf16ps where the
// unit has AVX512-BF16, else two FMAs on the values widened (exact: a product of two bf16
// values fits a float's mantissa). The tiles are written once for both.
template <int V>
struct FloatMadd {
  using In = float;
  using T = typename Vec<V>::type;
  static T weights(const float* p) { return load<V>(p); }
  static T broadcast(float v) { return splat<V>(v); }
  static T fma(T w, T x, T acc) { return madd<V>(w, x, acc); }
};

template <int V>
struct Bf16PairMadd {
  using In = uint32_t;
  using T = typename Vec<V>::type;
  using U = typename Vec<V>::ubits;  // unsigned: its shifts are defined for every value
  static T weights(const uint32_t* p) { return load<V>(reinterpret_cast<const float*>(p)); }
  static T broadcast(uint32_t v) {
    U bits{};
    bits += v;  // an integer broadcast: the pair's bits, untouched by float arithmetic
    return (T)bits;
  }
  static T fma(T w, T x, T acc) {
#if defined(__AVX512BF16__)
    if constexpr (V == 16) return (T)_mm512_dpbf16_ps((__m512)acc, (__m512bh)w, (__m512bh)x);
#endif
    const U wi = (U)w, xi = (U)x, high = U{} + 0xFFFF0000u;
    acc = madd<V>((T)(wi << 16), (T)(xi << 16), acc);
    return madd<V>((T)(wi & high), (T)(xi & high), acc);
  }
};

// Filter rows [*i_lo, *i_hi) that reach a data row of the padded input from padded rows
// y0 .. y0 + count - 1: the others see only zero padding rows and are skipped (their
// products are exact zeros), which matters for backward-data's wide dy padding.
inline void data_taps(const DirectGeom& g, int y0, int count, int* i_lo, int* i_hi) {
  int lo = g.top - (y0 + count - 1), hi = g.top + g.rows - y0;
  *i_lo = lo < 0 ? 0 : lo;
  *i_hi = hi > g.kh ? g.kh : hi;
  if (*i_hi < *i_lo) *i_hi = *i_lo;
}

// ---- forward, vectorised over output channels ----

// tile (NC, V) = bias[0:V] + sum over (c, i, j) of wt[c,i,j][0:V] * x[c][i][j + k*S], where
// x points at the padded input under output (oy, ox0) and wt, bias at the channel block.
// The stride S is a template argument so the NC broadcasts use constant offsets.
template <int V, int NC, int S, class M = FloatMadd<V>>
void forward_tile(const DirectGeom& g, const typename M::In* __restrict x, const typename M::In* __restrict wt,
                  const float* __restrict bias, float* __restrict tile, int i_lo, int i_hi) {
  using T = typename Vec<V>::type;
  using In = typename M::In;
  T acc[NC];
  const T b = load<V>(bias);
  _Pragma("GCC unroll 32") for (int k = 0; k < NC; ++k) acc[k] = b;
  const size_t plane = (size_t)g.hp * g.wp, ocp = (size_t)g.ocp;
  for (int c = 0; c < g.c; ++c)
    for (int i = i_lo; i < i_hi; ++i) {
      const In* row = x + c * plane + (size_t)i * g.wp;
      const In* wrow = wt + (size_t)(c * g.kh + i) * g.kw * ocp;
      for (int j = 0; j < g.kw; ++j) {
        const T wv = M::weights(wrow + j * ocp);
        const In* in = fresh_loads(row + j);
        _Pragma("GCC unroll 32") for (int k = 0; k < NC; ++k) acc[k] = M::fma(wv, M::broadcast(in[k * S]), acc[k]);
      }
    }
  _Pragma("GCC unroll 32") for (int k = 0; k < NC; ++k) store<V>(tile + k * V, acc[k]);
}

// forward_tile for a kernel width KW known at compile time: each input value of a filter row
// is broadcast into a register once and serves every (column, tap) pair that reads it,
// with the row's KW filter vectors held in registers: a filter row costs KW + (NC-1)*S + KW
// loads for NC*KW FMAs, where forward_tile issues a broadcast load per FMA. With the
// transposed tile store (store_tile), resnet20's 16- and 32-channel forward measured faster
// on one thread. Each accumulator still sums its terms in (c, i, j) order, so the
// results are bitwise forward_tile's.
template <int V, int NC, int S, int KW, class M = FloatMadd<V>>
void forward_tile_reuse(const DirectGeom& g, const typename M::In* __restrict x, const typename M::In* __restrict wt,
                        const float* __restrict bias, float* __restrict tile, int i_lo, int i_hi) {
  using T = typename Vec<V>::type;
  using In = typename M::In;
  constexpr int U = (NC - 1) * S + KW;  // input columns one filter row reads
  T acc[NC];
  const T b = load<V>(bias);
  _Pragma("GCC unroll 32") for (int k = 0; k < NC; ++k) acc[k] = b;
  const size_t plane = (size_t)g.hp * g.wp, ocp = (size_t)g.ocp;
  for (int c = 0; c < g.c; ++c)
    for (int i = i_lo; i < i_hi; ++i) {
      const In* row = x + c * plane + (size_t)i * g.wp;
      const In* wrow = wt + (size_t)(c * g.kh + i) * KW * ocp;
      T w[KW];
      _Pragma("GCC unroll 8") for (int j = 0; j < KW; ++j) w[j] = M::weights(wrow + j * ocp);
      _Pragma("GCC unroll 64") for (int u = 0; u < U; ++u) {
        const T xv = M::broadcast(row[u]);
        _Pragma("GCC unroll 8") for (int j = 0; j < KW; ++j) {
          const int d = u - j;
          if (d >= 0 && d % S == 0 && d / S < NC) acc[d / S] = M::fma(w[j], xv, acc[d / S]);
        }
      }
    }
  _Pragma("GCC unroll 32") for (int k = 0; k < NC; ++k) store<V>(tile + k * V, acc[k]);
}

// forward_tile_reuse for two blocks of V output channels at once: each broadcast input value
// serves 2*KW FMAs instead of KW, for half the broadcasts per FMA. The tile is (2, NC, V): the
// first block's NC vectors, then the second's. Each accumulator sums in (c, i, j) order, as
// forward_tile does: the same bits.
template <int V, int NC, int S, int KW, class M = FloatMadd<V>>
void forward_tile_reuse2(const DirectGeom& g, const typename M::In* __restrict x, const typename M::In* __restrict wt,
                         const float* __restrict bias, float* __restrict tile, int i_lo, int i_hi) {
  using T = typename Vec<V>::type;
  using In = typename M::In;
  constexpr int U = (NC - 1) * S + KW;
  T acc[2][NC];
  const T b0 = load<V>(bias), b1 = load<V>(bias + V);
  _Pragma("GCC unroll 32") for (int k = 0; k < NC; ++k) {
    acc[0][k] = b0;
    acc[1][k] = b1;
  }
  const size_t plane = (size_t)g.hp * g.wp, ocp = (size_t)g.ocp;
  for (int c = 0; c < g.c; ++c)
    for (int i = i_lo; i < i_hi; ++i) {
      const In* row = x + c * plane + (size_t)i * g.wp;
      const In* wrow = wt + (size_t)(c * g.kh + i) * KW * ocp;
      T w0[KW], w1[KW];
      _Pragma("GCC unroll 8") for (int j = 0; j < KW; ++j) {
        w0[j] = M::weights(wrow + j * ocp);
        w1[j] = M::weights(wrow + j * ocp + V);
      }
      _Pragma("GCC unroll 64") for (int u = 0; u < U; ++u) {
        const T xv = M::broadcast(row[u]);
        _Pragma("GCC unroll 8") for (int j = 0; j < KW; ++j) {
          const int d = u - j;
          if (d >= 0 && d % S == 0 && d / S < NC) {
            acc[0][d / S] = M::fma(w0[j], xv, acc[0][d / S]);
            acc[1][d / S] = M::fma(w1[j], xv, acc[1][d / S]);
          }
        }
      }
    }
  _Pragma("GCC unroll 32") for (int k = 0; k < NC; ++k) {
    store<V>(tile + k * V, acc[0][k]);
    store<V>(tile + (NC + k) * V, acc[1][k]);
  }
}

template <int V, class M = FloatMadd<V>>
using ForwardTileFn = void (*)(const DirectGeom&, const typename M::In*, const typename M::In*, const float*, float*,
                               int, int);

template <int V, int S, class M, int... NC>
constexpr std::array<ForwardTileFn<V, M>, sizeof...(NC)> forward_table(std::integer_sequence<int, NC...>) {
  return {&forward_tile<V, NC + 1, S, M>...};
}
template <int V, int S, int KW, class M, int... NC>
constexpr std::array<ForwardTileFn<V, M>, sizeof...(NC)> forward_reuse_table(std::integer_sequence<int, NC...>) {
  return {&forward_tile_reuse<V, NC + 1, S, KW, M>...};
}
template <int V, int S, int KW, class M, int... NC>
constexpr std::array<ForwardTileFn<V, M>, sizeof...(NC)> forward_reuse2_table(std::integer_sequence<int, NC...>) {
  return {&forward_tile_reuse2<V, NC + 1, S, KW, M>...};
}
// Columns of a two-block tile: 2*NC accumulators, 2*KW filter vectors and a broadcast.
template <int KW>
constexpr int kForwardColumns2 = KW == 3 ? 12 : 10;
// Whether a two-block instance exists for this filter width (3, or 5 at stride 1).
inline bool has_two_block_tile(int kw, int stride) { return kw == 3 || (kw == 5 && stride == 1); }
// The two-block instance for nc columns, 1 <= nc <= kForwardColumns2<kw>.
template <int V, class M>
ForwardTileFn<V, M> forward_tile2_of(int nc, int stride, int kw) {
  static constexpr auto one3 = forward_reuse2_table<V, 1, 3, M>(std::make_integer_sequence<int, kForwardColumns2<3>>{});
  static constexpr auto two3 = forward_reuse2_table<V, 2, 3, M>(std::make_integer_sequence<int, kForwardColumns2<3>>{});
  static constexpr auto one5 = forward_reuse2_table<V, 1, 5, M>(std::make_integer_sequence<int, kForwardColumns2<5>>{});
  if (kw == 5) return one5[nc - 1];
  return stride == 1 ? one3[nc - 1] : two3[nc - 1];
}

// Kernel widths with a register-reuse instance: 3 (ResNet's and VGG's filters). LeNet's 5x5
// conv2 (6 -> 16 channels, 10 columns) measured slower with one, so 5 keeps forward_tile.
inline bool has_reuse_tile(int kw) { return kw == 3; }
// The instance for a block of nc columns, 1 <= nc <= Max, stride 1 or 2, kernel width kw.
template <int V, int Max, class M>
ForwardTileFn<V, M> forward_tile_of(int nc, int stride, int kw) {
  static constexpr auto one = forward_table<V, 1, M>(std::make_integer_sequence<int, Max>{});
  static constexpr auto two = forward_table<V, 2, M>(std::make_integer_sequence<int, Max>{});
  static constexpr auto one3 = forward_reuse_table<V, 1, 3, M>(std::make_integer_sequence<int, Max>{});
  static constexpr auto two3 = forward_reuse_table<V, 2, 3, M>(std::make_integer_sequence<int, Max>{});
  if (has_reuse_tile(kw)) return stride == 1 ? one3[nc - 1] : two3[nc - 1];
  return stride == 1 ? one[nc - 1] : two[nc - 1];
}

// Accumulators per forward tile: room for them, the filter vector and a broadcast.
template <int Registers>
constexpr int kForwardColumns = Registers >= 32 ? 16 : 12;

// Lane indices of one transpose round: lane l of the first result takes a's lane l, or b's
// lane l - h where bit h of l is set; the second takes a's lane l + h or b's lane l.
template <int V>
constexpr std::array<int, V> transpose_mask(int h, bool second) {
  std::array<int, V> m{};
  for (int l = 0; l < V; ++l) m[l] = second ? ((l & h) ? V + l : l + h) : ((l & h) ? V + l - h : l);
  return m;
}

template <int V, int H>
inline void transpose_round(typename Vec<V>::type r[V]) {
  using T = typename Vec<V>::type;
  using I = typename Vec<V>::bits;
  static constexpr std::array<int, V> kLo = transpose_mask<V>(H, false), kHi = transpose_mask<V>(H, true);
  I lo, hi;
  std::memcpy(&lo, kLo.data(), sizeof lo);
  std::memcpy(&hi, kHi.data(), sizeof hi);
  _Pragma("GCC unroll 16") for (int i = 0; i < V; ++i) {
    if (i & H) continue;
    const T a = r[i], b = r[i + H];
    r[i] = __builtin_shuffle(a, b, lo);
    r[i + H] = __builtin_shuffle(a, b, hi);
  }
  if constexpr (H > 1) transpose_round<V, H / 2>(r);
}

// r[i][l] becomes r[l][i]: log2(V) rounds of two-vector shuffles, each swapping the
// off-diagonal blocks of size h (vpermt2ps on AVX-512), instead of V*V scalar moves.
template <int V>
inline void transpose_square(typename Vec<V>::type r[V]) {
  transpose_round<V, V / 2>(r);
}

// o[0:n] (=|+=) v[0:n], n <= V: under a mask where the instruction set has one.
template <int V>
inline void store_first(float* o, typename Vec<V>::type v, int n, bool accumulate) {
#if defined(__AVX512F__)
  if constexpr (V == 16) {
    const __mmask16 m = (__mmask16)((1u << n) - 1);
    __m512 x = (__m512)v;
    if (accumulate) x = _mm512_add_ps(_mm512_maskz_loadu_ps(m, o), x);
    return _mm512_mask_storeu_ps(o, m, x);
  }
#endif
  for (int k = 0; k < n; ++k) o[k] = accumulate ? o[k] + v[k] : v[k];
}

// dst[q * ld + o] = src[o * p + q] for o < oc, q < p (dy's planes side by side, one output
// position per row): V x V blocks through the in-register transpose, the edges element by
// element. A block's V rows of dst are V cache lines, so the whole transpose writes each
// line of dst once.
template <int V>
void transpose_planes(const float* src, int oc, size_t p, float* dst, size_t ld) {
  using T = typename Vec<V>::type;
  const size_t full_q = p / V * V;
  const int full_o = oc / V * V;
  for (size_t q0 = 0; q0 < full_q; q0 += V) {
    for (int o0 = 0; o0 < full_o; o0 += V) {
      T r[V];
      _Pragma("GCC unroll 16") for (int k = 0; k < V; ++k) r[k] = load<V>(src + (size_t)(o0 + k) * p + q0);
      transpose_square<V>(r);
      _Pragma("GCC unroll 16") for (int k = 0; k < V; ++k) store<V>(dst + (q0 + k) * ld + o0, r[k]);
    }
    for (int o = full_o; o < oc; ++o)
      for (size_t q = q0; q < q0 + V; ++q) dst[q * ld + o] = src[(size_t)o * p + q];
  }
  for (int o = 0; o < oc; ++o)
    for (size_t q = full_q; q < p; ++q) dst[q * ld + o] = src[(size_t)o * p + q];
}

// Output rows [ox0, ox0 + nc) of `lanes` channel planes (out_plane apart) (=|+=) a tile
// (nc, V): whole blocks of V columns through an in-register transpose, the rest element by
// element.
template <int V>
inline void store_tile(const float* tile, int nc, int lanes, float* out, size_t out_plane, bool accumulate) {
  using T = typename Vec<V>::type;
  const int full = nc / V * V;
  for (int k0 = 0; k0 < full; k0 += V) {
    T r[V];
    _Pragma("GCC unroll 16") for (int k = 0; k < V; ++k) r[k] = load<V>(tile + (k0 + k) * V);
    transpose_square<V>(r);
    for (int l = 0; l < lanes; ++l) {
      float* o = out + l * out_plane + k0;
      store<V>(o, accumulate ? load<V>(o) + r[l] : r[l]);
    }
  }
  if (full == nc) return;
  // The last, partial block: transposed as a whole one (rows past nc are left-over values,
  // never stored), each lane's first nc - full floats stored under a mask.
  T r[V];
  _Pragma("GCC unroll 16") for (int k = 0; k < V; ++k) r[k] = full + k < nc ? load<V>(tile + (full + k) * V) : T{};
  transpose_square<V>(r);
  for (int l = 0; l < lanes; ++l) store_first<V>(out + l * out_plane + full, r[l], nc - full, accumulate);
}

// y (OC, OH, OW) (=|+=) bias + conv(xpad, wt): channel-vectorised tiles; M says how they
// multiply (FloatMadd: float planes and filters; Bf16PairMadd: planes and filters of channel
// pairs, g.c counting pairs).
template <int V, int Registers, class M = FloatMadd<V>>
void forward_image(const DirectGeom& g, const typename M::In* xpad, const typename M::In* wt, const float* bias,
                   float* y, bool accumulate) {
  using In = typename M::In;
  constexpr int kMax = kForwardColumns<Registers>;
  alignas(64) float tile[kMax * V];
  // The reuse tiles also hold KW filter vectors and a broadcast in registers.
  const int columns = has_reuse_tile(g.kw) ? std::min(kMax, Registers - 1 - g.kw) : kMax;
  const int blocks = (g.ow + columns - 1) / columns;
  const int base = g.ow / blocks, extra = g.ow % blocks;  // even block widths: base or base + 1
  const size_t out_plane = (size_t)g.oh * g.ow;
  int o0 = 0;
  if constexpr (Registers >= 32) {
    // Two whole channel blocks at a time where the filters are 3 wide and the tiles have
    // input channels enough to repay their extra (partial, masked) stores.
    alignas(64) float tile2[2 * kForwardColumns2<3> * V];
    const int columns2 = g.kw == 3 ? kForwardColumns2<3> : kForwardColumns2<5>;
    const int blocks2 = (g.ow + columns2 - 1) / columns2;
    const int base2 = g.ow / blocks2, extra2 = g.ow % blocks2;
    for (; has_two_block_tile(g.kw, g.sw) && g.c >= 16 && g.oc - o0 >= 2 * V; o0 += 2 * V)
      for (int oy = 0; oy < g.oh; ++oy) {
        const In* xrow = xpad + (size_t)oy * g.sh * g.wp;
        int i_lo, i_hi;
        data_taps(g, oy * g.sh, 1, &i_lo, &i_hi);
        for (int b = 0, ox0 = 0; b < blocks2; ++b) {
          const int nc = base2 + (b < extra2 ? 1 : 0);
          forward_tile2_of<V, M>(nc, g.sw, g.kw)(g, xrow + (size_t)ox0 * g.sw, wt + o0, bias + o0, tile2, i_lo, i_hi);
          float* out = y + (size_t)o0 * out_plane + (size_t)oy * g.ow + ox0;
          store_tile<V>(tile2, nc, V, out, out_plane, accumulate);
          store_tile<V>(tile2 + nc * V, nc, V, out + V * out_plane, out_plane, accumulate);
          ox0 += nc;
        }
      }
  }
  for (; o0 < g.oc; o0 += V) {
    const int lanes = g.oc - o0 < V ? g.oc - o0 : V;
    for (int oy = 0; oy < g.oh; ++oy) {
      const In* xrow = xpad + (size_t)oy * g.sh * g.wp;
      int i_lo, i_hi;
      data_taps(g, oy * g.sh, 1, &i_lo, &i_hi);
      for (int b = 0, ox0 = 0; b < blocks; ++b) {
        const int nc = base + (b < extra ? 1 : 0);
        forward_tile_of<V, kMax, M>(nc, g.sw, g.kw)(g, xrow + (size_t)ox0 * g.sw, wt + o0, bias + o0, tile, i_lo, i_hi);
        store_tile<V>(tile, nc, lanes, y + (size_t)o0 * out_plane + (size_t)oy * g.ow + ox0, out_plane, accumulate);
        ox0 += nc;
      }
    }
  }
}

// ---- forward, vectorised over output columns (stride 1, few output channels) ----

// tile (RY, R, V) = bias[o] + sum over (c, i, j) of wt[c,i,j][o] * x[c][ry + i][j : j + V]
// for R channels o and RY output rows; x points at the padded input under (oy, ox0), wt
// and bias at the first channel. Lanes past the row's end read the next row or the buffer's
// slack (kDirectPlaneSlack): their results are never written out.
template <int V, int R, int RY>
void forward_cols_tile(const DirectGeom& g, const float* __restrict x, const float* __restrict wt,
                       const float* __restrict bias, float* __restrict tile, int i_lo, int i_hi) {
  using T = typename Vec<V>::type;
  T acc[RY][R];
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {
    const T b = splat<V>(bias[r]);
    _Pragma("GCC unroll 8") for (int ry = 0; ry < RY; ++ry) acc[ry][r] = b;
  }
  const size_t plane = (size_t)g.hp * g.wp, ocp = (size_t)g.ocp, wp = (size_t)g.wp;
  for (int c = 0; c < g.c; ++c)
    for (int i = i_lo; i < i_hi; ++i) {
      const float* row = x + c * plane + (size_t)i * wp;
      const float* wrow = wt + (size_t)(c * g.kh + i) * g.kw * ocp;
      for (int j = 0; j < g.kw; ++j) {
        T xv[RY];
        _Pragma("GCC unroll 8") for (int ry = 0; ry < RY; ++ry) xv[ry] = load<V>(row + ry * wp + j);
        const float* wj = wrow + j * ocp;
        _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {
          const T wv = splat<V>(wj[r]);
          _Pragma("GCC unroll 8") for (int ry = 0; ry < RY; ++ry) acc[ry][r] = madd<V>(wv, xv[ry], acc[ry][r]);
        }
      }
    }
  _Pragma("GCC unroll 8") for (int ry = 0; ry < RY; ++ry) _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)
      store<V>(tile + (ry * R + r) * V, acc[ry][r]);
}

constexpr int kColsMax = 8;  // R, RY <= 8
template <int V>
using ForwardColsFn = void (*)(const DirectGeom&, const float*, const float*, const float*, float*, int, int);

template <int V, int R, int... RY>
constexpr std::array<ForwardColsFn<V>, kColsMax> forward_cols_row(std::integer_sequence<int, RY...>) {
  return {&forward_cols_tile<V, R, RY + 1>...};
}
template <int V, int... R>
constexpr std::array<std::array<ForwardColsFn<V>, kColsMax>, kColsMax> forward_cols_table(
    std::integer_sequence<int, R...>) {
  return {forward_cols_row<V, R + 1>(std::make_integer_sequence<int, kColsMax>{})...};
}
template <int V>
ForwardColsFn<V> forward_cols_of(int r, int ry) {
  static constexpr auto table = forward_cols_table<V>(std::make_integer_sequence<int, kColsMax>{});
  return table[r - 1][ry - 1];
}

// Output-channel-vectorised tiles waste lanes when OC is small; this variant fills the
// vector with V output columns of one row instead (stride 1 only), R channels x RY rows of
// accumulators sharing each loaded input vector.
template <int V, int Registers>
void forward_image_cols(const DirectGeom& g, const float* xpad, const float* wt, const float* bias, float* y,
                        bool accumulate) {
  constexpr int kAcc = Registers >= 32 ? 24 : 10;
  const int r_max = g.oc < kColsMax ? g.oc : kColsMax;
  int ry_max = kAcc / r_max;
  ry_max = ry_max > kColsMax ? kColsMax : ry_max < 1 ? 1 : ry_max;
  alignas(64) float tile[kColsMax * kColsMax * V];
  const size_t out_plane = (size_t)g.oh * g.ow;
  for (int o0 = 0; o0 < g.oc; o0 += r_max) {
    const int r = g.oc - o0 < r_max ? g.oc - o0 : r_max;
    for (int oy = 0; oy < g.oh; oy += ry_max) {
      const int ry = g.oh - oy < ry_max ? g.oh - oy : ry_max;
      ForwardColsFn<V> fn = forward_cols_of<V>(r, ry);
      int i_lo, i_hi;
      data_taps(g, oy, ry, &i_lo, &i_hi);
      for (int ox0 = 0; ox0 < g.ow; ox0 += V) {
        const int nc = g.ow - ox0 < V ? g.ow - ox0 : V;
        fn(g, xpad + (size_t)oy * g.wp + ox0, wt + o0, bias + o0, tile, i_lo, i_hi);
        for (int a = 0; a < ry; ++a)
          for (int l = 0; l < r; ++l) {
            float* out = y + (size_t)(o0 + l) * out_plane + (size_t)(oy + a) * g.ow + ox0;
            const float* t = tile + (a * r + l) * V;
            if (nc == V)  // a whole vector: one store (the copy loop below does not vectorise well)
              store<V>(out, accumulate ? load<V>(out) + load<V>(t) : load<V>(t));
            else if (accumulate)
              for (int k = 0; k < nc; ++k) out[k] += t[k];
            else
              std::memcpy(out, t, sizeof(float) * nc);
          }
      }
    }
  }
}

// Fraction of vector lanes doing useful work when V lanes cover `used` of them.
inline double lane_use(int used, int v) { return (double)used / ((used + v - 1) / v * v); }

// Which forward variant: columns when stride 1 and they fill the vectors better (on a tie
// channels measured no slower).
template <int V>
bool forward_by_columns(const DirectGeom& g) {
  return g.sw == 1 && lane_use(g.ow, V) > lane_use(g.oc, V);
}

// ---- backward-weights ----

// acc[ti][tj] += d * x[ti][tj] for one output position: d its dyT vector, in the padded
// input under it (rows wp floats apart).
template <int V, int TI, int TJ>
inline void weights_position(typename Vec<V>::type d, const float* in, size_t wp,
                             typename Vec<V>::type (&acc)[TI][TJ]) {
  _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj)
      acc[ti][tj] = madd<V>(d, splat<V>(in[ti * wp + tj]), acc[ti][tj]);
}

// dwT[c, i0+ti, j0+tj][0:V] += sum over (oy, ox) of dyT[oy*OW + ox][0:V] * x[oy*sh + ti][ox*sw + tj],
// for ti < TI, tj < TJ; x points at the padded plane of channel c at row i0, column j0.
template <int V, int TI, int TJ>
void weights_tile(const DirectGeom& g, const float* __restrict x, const float* __restrict dyT, float* __restrict dwT) {
  using T = typename Vec<V>::type;
  T acc[TI][TJ];
  _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj)
      acc[ti][tj] = T{};
  const size_t ocp = (size_t)g.ocp, wp = (size_t)g.wp;
  const int sw = g.sw;
  for (int oy = 0; oy < g.oh; ++oy) {
    const float* xrow = x + (size_t)oy * g.sh * wp;
    const float* drow = dyT + (size_t)oy * g.ow * ocp;
    for (int ox = 0; ox < g.ow; ++ox)
      weights_position<V, TI, TJ>(load<V>(drow + ox * ocp), xrow + (size_t)ox * sw, wp, acc);
  }
  _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
    float* p = dwT + ((size_t)ti * g.kw + tj) * ocp;
    store<V>(p, load<V>(p) + acc[ti][tj]);
  }
}

// weights_tile for a 3x3 tile and NP output positions of a row at a time: the NP dyT vectors
// sit in registers and each input value is broadcast once for every (position, tap) pair
// that reads it, where weights_tile loads a broadcast per FMA (resnet20's 16- and 32-channel
// backward-weights measured faster). Each accumulator still sums over positions
// in order: bitwise weights_tile's.
template <int V, int S, int NP>
void weights_tile_reuse(const DirectGeom& g, const float* __restrict x, const float* __restrict dyT,
                        float* __restrict dwT) {
  using T = typename Vec<V>::type;
  constexpr int TI = 3, TJ = 3, U = (NP - 1) * S + TJ;  // input columns NP positions read
  T acc[TI][TJ];
  _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj)
      acc[ti][tj] = T{};
  const size_t ocp = (size_t)g.ocp, wp = (size_t)g.wp;
  const int full = g.ow / NP * NP;
  for (int oy = 0; oy < g.oh; ++oy) {
    const float* xrow = x + (size_t)oy * S * wp;
    const float* drow = dyT + (size_t)oy * g.ow * ocp;
    for (int ox = 0; ox < full; ox += NP) {
      T d[NP];
      _Pragma("GCC unroll 32") for (int k = 0; k < NP; ++k) d[k] = load<V>(drow + (ox + k) * ocp);
      const float* in = xrow + (size_t)ox * S;
      _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 64") for (int u = 0; u < U; ++u) {
        const T xv = splat<V>(in[ti * wp + u]);
        _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
          const int e = u - tj;
          if (e >= 0 && e % S == 0 && e / S < NP) acc[ti][tj] = madd<V>(d[e / S], xv, acc[ti][tj]);
        }
      }
    }
    for (int ox = full; ox < g.ow; ++ox)  // the row's last ow % NP positions
      weights_position<V, TI, TJ>(load<V>(drow + ox * ocp), xrow + (size_t)ox * S, wp, acc);
  }
  _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
    float* p = dwT + ((size_t)ti * g.kw + tj) * ocp;
    store<V>(p, load<V>(p) + acc[ti][tj]);
  }
}

// weights_tile_reuse for two blocks of V output channels (dyT + V the second): each
// broadcast input value serves both blocks' FMAs, for 18 accumulators, 2*NP dyT vectors and
// a broadcast in registers. Each accumulator sums over positions in order, as weights_tile.
template <int V, int NP>
void weights_tile_reuse2(const DirectGeom& g, const float* __restrict x, const float* __restrict dyT,
                         float* __restrict dwT) {
  using T = typename Vec<V>::type;
  constexpr int TI = 3, TJ = 3, U = NP - 1 + TJ;
  T acc[2][TI][TJ];
  _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
    acc[0][ti][tj] = T{};
    acc[1][ti][tj] = T{};
  }
  const size_t ocp = (size_t)g.ocp, wp = (size_t)g.wp;
  const int full = g.ow / NP * NP;
  for (int oy = 0; oy < g.oh; ++oy) {
    const float* xrow = x + (size_t)oy * wp;
    const float* drow = dyT + (size_t)oy * g.ow * ocp;
    for (int ox = 0; ox < full; ox += NP) {
      T d0[NP], d1[NP];
      _Pragma("GCC unroll 16") for (int k = 0; k < NP; ++k) {
        d0[k] = load<V>(drow + (ox + k) * ocp);
        d1[k] = load<V>(drow + (ox + k) * ocp + V);
      }
      const float* in = xrow + ox;
      _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 64") for (int u = 0; u < U; ++u) {
        const T xv = splat<V>(in[ti * wp + u]);
        _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
          const int e = u - tj;
          if (e >= 0 && e < NP) {
            acc[0][ti][tj] = madd<V>(d0[e], xv, acc[0][ti][tj]);
            acc[1][ti][tj] = madd<V>(d1[e], xv, acc[1][ti][tj]);
          }
        }
      }
    }
    for (int ox = full; ox < g.ow; ++ox) {  // the row's last ow % NP positions
      weights_position<V, TI, TJ>(load<V>(drow + ox * ocp), xrow + ox, wp, acc[0]);
      weights_position<V, TI, TJ>(load<V>(drow + ox * ocp + V), xrow + ox, wp, acc[1]);
    }
  }
  _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
    float* p = dwT + ((size_t)ti * g.kw + tj) * ocp;
    store<V>(p, load<V>(p) + acc[0][ti][tj]);
    store<V>(p + V, load<V>(p + V) + acc[1][ti][tj]);
  }
}

// ---- backward-weights in bf16: pairs of output positions ----

// The 32-bit element at p (two bf16 values, p[0] in the low half), read at any alignment.
inline uint32_t pair_at(const uint16_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// dwT[c, ti, tj][o0 : o0 + B*V] += sum over output positions (oy, ox) of dy[o][oy][ox] *
// x[c][oy + ti][ox + tj] for CB consecutive input channels c, 3x3 filters at stride 1, summed
// a pair of positions (ox = 2k, 2k + 1) per multiply-add: dyT2 holds, for each output row and
// pair k, the pairs (dy[o][oy][2k], dy[o][oy][2k + 1]) of its ocp channels (the second zero
// past an odd row's end), and the input pair (x[c][.][2k + tj], x[c][.][2k + 1 + tj]) is two
// adjacent bf16 values of the padded plane (rows g.wp apart, planes `plane` apart). B blocks
// of V output channels; NP2 pairs per step, their dyT2 vectors in registers and each input
// pair broadcast once to every multiply-add that reads it. CB > 1 gives a 16-channel layer
// (B = 1) as many independent accumulators as B = 2 has, enough to cover the multiply-add's
// latency; each accumulator still sums its positions in the same order, whatever CB.
template <int V, int B, int CB, int NP2, class M>
void weights_tile_pairs(const DirectGeom& g, const uint16_t* __restrict x, size_t plane,
                        const uint32_t* __restrict dyT2, size_t pairs_per_row, float* __restrict dwT) {
  using T = typename Vec<V>::type;
  constexpr int TI = 3, TJ = 3, U = 2 * NP2 + 1;  // input pairs one step reads per filter row
  T acc[CB][B][TI][TJ];
  _Pragma("GCC unroll 4") for (int cb = 0; cb < CB; ++cb) _Pragma("GCC unroll 8") for (int b = 0; b < B; ++b)
      _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj)
          acc[cb][b][ti][tj] = T{};
  const size_t ocp = (size_t)g.ocp, wp = (size_t)g.wp;
  const int pairs = (int)pairs_per_row, full = pairs / NP2 * NP2;
  for (int oy = 0; oy < g.oh; ++oy) {
    const uint16_t* xrow = x + (size_t)oy * wp;
    const uint32_t* drow = dyT2 + (size_t)oy * pairs_per_row * ocp;
    for (int k0 = 0; k0 < full; k0 += NP2) {
      T d[B][NP2];
      _Pragma("GCC unroll 16") for (int k = 0; k < NP2; ++k) _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b)
          d[b][k] = M::weights(drow + (k0 + k) * ocp + b * V);
      _Pragma("GCC unroll 4") for (int cb = 0; cb < CB; ++cb) {
        const uint16_t* in = xrow + cb * plane + 2 * k0;
        _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 64") for (int u = 0; u < U; ++u) {
          const T xv = M::broadcast(pair_at(in + ti * wp + u));
          _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
            const int e = u - tj;  // pair e / 2 reads the input pair at u when e is even
            if (e >= 0 && e % 2 == 0 && e / 2 < NP2)
              _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b) acc[cb][b][ti][tj] =
                  M::fma(d[b][e / 2], xv, acc[cb][b][ti][tj]);
          }
        }
      }
    }
    for (int k = full; k < pairs; ++k) {  // the row's last pairs % NP2 pairs
      T d[B];
      _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b) d[b] = M::weights(drow + k * ocp + b * V);
      _Pragma("GCC unroll 4") for (int cb = 0; cb < CB; ++cb) _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti)
          _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
        const T xv = M::broadcast(pair_at(xrow + cb * plane + ti * wp + 2 * k + tj));
        _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b) acc[cb][b][ti][tj] = M::fma(d[b], xv, acc[cb][b][ti][tj]);
      }
    }
  }
  _Pragma("GCC unroll 4") for (int cb = 0; cb < CB; ++cb) _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti)
      _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b) {
    float* p = dwT + (((size_t)cb * TI + ti) * TJ + tj) * ocp + b * V;
    store<V>(p, load<V>(p) + acc[cb][b][ti][tj]);
  }
}

// weights_tile_pairs at stride 2: dy[o][oy][ox] * x[c][2*oy + ti][2*ox + tj]. Each padded row
// is stored as its even columns, then its odd ones (direct_pair_row(g) values, halves of
// `half`), so the input pair a pair of positions (2k, 2k + 1) meets at tap tj, (x[4k + tj],
// x[4k + 2 + tj]), is again two adjacent bf16 values: the even half's 2k + tj/2 for tj = 0
// and 2, the odd half's 2k for tj = 1. No input pair serves two taps here, so each is
// broadcast for the B multiply-adds of one tap.
template <int V, int B, int CB, int NP2, class M>
void weights_tile_pairs_stride2(const DirectGeom& g, const uint16_t* __restrict x, size_t plane,
                                const uint32_t* __restrict dyT2, size_t pairs_per_row, float* __restrict dwT) {
  using T = typename Vec<V>::type;
  constexpr int TI = 3, TJ = 3;
  T acc[CB][B][TI][TJ];
  _Pragma("GCC unroll 4") for (int cb = 0; cb < CB; ++cb) _Pragma("GCC unroll 8") for (int b = 0; b < B; ++b)
      _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj)
          acc[cb][b][ti][tj] = T{};
  const size_t ocp = (size_t)g.ocp, row = direct_pair_row(g), half = row / 2;
  const int pairs = (int)pairs_per_row, full = pairs / NP2 * NP2;
  auto tap = [&](const uint16_t* in, int k, int ti, int tj) {  // the input pair of pair k at tap (ti, tj)
    return M::broadcast(pair_at(in + ti * row + (tj % 2) * half + 2 * k + tj / 2));
  };
  for (int oy = 0; oy < g.oh; ++oy) {
    const uint16_t* xrow = x + (size_t)2 * oy * row;
    const uint32_t* drow = dyT2 + (size_t)oy * pairs_per_row * ocp;
    for (int k0 = 0; k0 < full; k0 += NP2) {
      T d[B][NP2];
      _Pragma("GCC unroll 16") for (int k = 0; k < NP2; ++k) _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b)
          d[b][k] = M::weights(drow + (k0 + k) * ocp + b * V);
      _Pragma("GCC unroll 4") for (int cb = 0; cb < CB; ++cb) _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti)
          _Pragma("GCC unroll 16") for (int k = 0; k < NP2; ++k)
              _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
        const T xv = tap(xrow + cb * plane, k0 + k, ti, tj);
        _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b) acc[cb][b][ti][tj] =
            M::fma(d[b][k], xv, acc[cb][b][ti][tj]);
      }
    }
    for (int k = full; k < pairs; ++k) {  // the row's last pairs % NP2 pairs
      T d[B];
      _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b) d[b] = M::weights(drow + k * ocp + b * V);
      _Pragma("GCC unroll 4") for (int cb = 0; cb < CB; ++cb) _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti)
          _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
        const T xv = tap(xrow + cb * plane, k, ti, tj);
        _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b) acc[cb][b][ti][tj] = M::fma(d[b], xv, acc[cb][b][ti][tj]);
      }
    }
  }
  _Pragma("GCC unroll 4") for (int cb = 0; cb < CB; ++cb) _Pragma("GCC unroll 8") for (int ti = 0; ti < TI; ++ti)
      _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) _Pragma("GCC unroll 4") for (int b = 0; b < B; ++b) {
    float* p = dwT + (((size_t)cb * TI + ti) * TJ + tj) * ocp + b * V;
    store<V>(p, load<V>(p) + acc[cb][b][ti][tj]);
  }
}

// dwT (CKK, ocp) += one image's filter gradient in bf16 (3x3, stride 1 or 2): xbf the image's
// zero-bordered planes rounded to bf16 (rows of direct_pair_row(g) values), dyT2 its dy in
// position pairs (weights_tile_pairs, weights_tile_pairs_stride2). A lone block of V output
// channels takes CB input channels per tile (the unit's choice: what its registers hold).
template <int V, class M, int CB, int S>
void weights_image_pairs_at(const DirectGeom& g, const uint16_t* xbf, const uint32_t* dyT2, float* dwT) {
  const size_t plane = (size_t)g.hp * direct_pair_row(g), pairs = ((size_t)g.ow + 1) / 2, tap_rows = 9 * (size_t)g.ocp;
  auto tile = [&](auto fn, int c, int o0) { fn(g, xbf + c * plane, plane, dyT2 + o0, pairs, dwT + c * tap_rows + o0); };
  int o0 = 0;
  for (; g.oc - o0 >= 2 * V; o0 += 2 * V)
    for (int c = 0; c < g.c; ++c)
      tile(S == 1 ? weights_tile_pairs<V, 2, 1, 4, M> : weights_tile_pairs_stride2<V, 2, 1, 4, M>, c, o0);
  for (; o0 < g.oc; o0 += V) {
    int c = 0;
    for (; g.c - c >= CB; c += CB)
      tile(S == 1 ? weights_tile_pairs<V, 1, CB, 8, M> : weights_tile_pairs_stride2<V, 1, CB, 8, M>, c, o0);
    for (; c < g.c; ++c)
      tile(S == 1 ? weights_tile_pairs<V, 1, 1, 8, M> : weights_tile_pairs_stride2<V, 1, 1, 8, M>, c, o0);
  }
}

template <int V, class M, int CB = 1>
void backward_weights_image_pairs(const DirectGeom& g, const uint16_t* xbf, const uint32_t* dyT2, float* dwT) {
  if (g.sh == 1) return weights_image_pairs_at<V, M, CB, 1>(g, xbf, dyT2, dwT);
  weights_image_pairs_at<V, M, CB, 2>(g, xbf, dyT2, dwT);
}

constexpr int kTileMax = 8;  // TI, TJ <= 8
template <int V>
using WeightsTileFn = void (*)(const DirectGeom&, const float*, const float*, float*);

template <int V, int TI, int... TJ>
constexpr std::array<WeightsTileFn<V>, kTileMax> weights_row(std::integer_sequence<int, TJ...>) {
  return {&weights_tile<V, TI, TJ + 1>...};
}
template <int V, int... TI>
constexpr std::array<std::array<WeightsTileFn<V>, kTileMax>, kTileMax> weights_table(
    std::integer_sequence<int, TI...>) {
  return {weights_row<V, TI + 1>(std::make_integer_sequence<int, kTileMax>{})...};
}
// The instance for a ti x tj tile, 1 <= ti, tj <= kTileMax.
template <int V>
WeightsTileFn<V> weights_tile_of(int ti, int tj) {
  static constexpr auto table = weights_table<V>(std::make_integer_sequence<int, kTileMax>{});
  return table[ti - 1][tj - 1];
}

template <int V, int Registers>
void backward_weights_image(const DirectGeom& g, const float* xpad, const float* dyT, float* dwT) {
  // Accumulators: all but a few registers (the dy vector and a broadcast).
  constexpr int kAcc = Registers >= 32 ? 28 : 12;
  const int tj_max = g.kw < kTileMax ? g.kw : kTileMax;
  int ti_max = kAcc / tj_max;
  if (ti_max > kTileMax) ti_max = kTileMax;
  if (ti_max < 1) ti_max = 1;
  const size_t plane = (size_t)g.hp * g.wp;
  if constexpr (Registers >= 32) {  // 9 accumulators, 16 dyT vectors and a broadcast
    // (Stride 2 measured slower: 33 broadcasts per 16 positions.) 8 positions at a time for
    // rows shorter than 16 (8x8 planes), else 16.
    if (g.kh == 3 && g.kw == 3 && g.sw == 1) {
      WeightsTileFn<V> fn = g.ow >= 16 ? &weights_tile_reuse<V, 1, 16> : &weights_tile_reuse<V, 1, 8>;
      int o0 = 0;
      for (; g.oc - o0 >= 2 * V; o0 += 2 * V)  // two whole channel blocks at a time
        for (int c = 0; c < g.c; ++c)
          weights_tile_reuse2<V, 4>(g, xpad + c * plane, dyT + o0, dwT + (size_t)c * 9 * g.ocp + o0);
      for (; o0 < g.oc; o0 += V)
        for (int c = 0; c < g.c; ++c) fn(g, xpad + c * plane, dyT + o0, dwT + (size_t)c * 9 * g.ocp + o0);
      return;
    }
  }
  for (int o0 = 0; o0 < g.oc; o0 += V)
    for (int c = 0; c < g.c; ++c)
      for (int i0 = 0; i0 < g.kh; i0 += ti_max) {
        const int ti = g.kh - i0 < ti_max ? g.kh - i0 : ti_max;
        for (int j0 = 0; j0 < g.kw; j0 += tj_max) {
          const int tj = g.kw - j0 < tj_max ? g.kw - j0 : tj_max;
          WeightsTileFn<V> fn = weights_tile_of<V>(ti, tj);
          fn(g, xpad + c * plane + (size_t)i0 * g.wp + j0, dyT + o0,
             dwT + ((size_t)(c * g.kh + i0) * g.kw + j0) * g.ocp + o0);
        }
      }
}

// ---- backward-weights, vectorised over output columns (stride 1, few output channels) ----

// dwT[c, i, j0+tj][o0+r] += sum over (oy, ox) of dy[o0+r][oy][ox] * x[oy][ox + tj] for r < R,
// tj < TJ, with V output columns per vector and a fixed-order sum of the lanes at the end.
// dy rows are g.ow floats padded with zeros to a whole number of vectors (row stride owp);
// x points at the padded plane of channel c at row i, column j0. In the last, partial
// vector the input lanes past the row are masked to zero too, so they add exact zeros.
template <int V, int R, int TJ>
void weights_cols_tile(const DirectGeom& g, const float* __restrict x, const float* __restrict dy, size_t owp,
                       float* __restrict dwT) {
  using T = typename Vec<V>::type;
  using I = typename Vec<V>::bits;
  T acc[R][TJ];
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj)
      acc[r][tj] = T{};
  const size_t wp = (size_t)g.wp, dplane = (size_t)g.oh * owp;
  const int full = g.ow / V * V, tail = g.ow - full;
  I keep{};
  for (int l = 0; l < V; ++l) keep[l] = l < tail ? -1 : 0;
  for (int oy = 0; oy < g.oh; ++oy) {
    const float* xrow = x + oy * wp;
    const float* drow = dy + oy * owp;
    auto step = [&](int ox0, bool masked) __attribute__((always_inline)) {
      T d[R];
      _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) d[r] = load<V>(drow + r * dplane + ox0);
      _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
        T xv = load<V>(xrow + ox0 + tj);
        if (masked) xv = (T)((I)xv & keep);
        _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) acc[r][tj] = madd<V>(d[r], xv, acc[r][tj]);
      }
    };
    for (int ox0 = 0; ox0 < full; ox0 += V) step(ox0, false);
    if (tail) step(full, true);
  }
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) _Pragma("GCC unroll 8") for (int tj = 0; tj < TJ; ++tj) {
    float sum = 0.0f;
    for (int l = 0; l < V; ++l) sum += acc[r][tj][l];
    dwT[(size_t)tj * g.ocp + r] += sum;
  }
}

constexpr int kColsTapsMax = 8;  // TJ <= 8, R <= kColsMax
template <int V>
using WeightsColsFn = void (*)(const DirectGeom&, const float*, const float*, size_t, float*);

template <int V, int R, int... TJ>
constexpr std::array<WeightsColsFn<V>, kColsTapsMax> weights_cols_row(std::integer_sequence<int, TJ...>) {
  return {&weights_cols_tile<V, R, TJ + 1>...};
}
template <int V, int... R>
constexpr std::array<std::array<WeightsColsFn<V>, kColsTapsMax>, kColsMax> weights_cols_table(
    std::integer_sequence<int, R...>) {
  return {weights_cols_row<V, R + 1>(std::make_integer_sequence<int, kColsTapsMax>{})...};
}
template <int V>
WeightsColsFn<V> weights_cols_of(int r, int tj) {
  static constexpr auto table = weights_cols_table<V>(std::make_integer_sequence<int, kColsMax>{});
  return table[r - 1][tj - 1];
}

// Which backward-weights variant: columns when stride 1 and they fill the vectors better.
template <int V>
bool weights_by_columns(const DirectGeom& g) {
  return g.sw == 1 && lane_use(g.ow, V) > lane_use(g.oc, V);
}

// dwT += one image's filter gradient, from dy copied to rows of direct_dy_row(OW) floats.
template <int V, int Registers>
void backward_weights_image_cols(const DirectGeom& g, const float* xpad, const float* dy, float* dwT) {
  // R dy vectors, TJ input vectors in flight and R*TJ accumulators fit the registers.
  constexpr int kRegs = Registers >= 32 ? 30 : 15;
  const int tj_max = g.kw < kColsTapsMax ? g.kw : kColsTapsMax;
  int r_max = (kRegs - 1) / (tj_max + 1);
  r_max = r_max > kColsMax ? kColsMax : r_max < 1 ? 1 : r_max;
  const size_t plane = (size_t)g.hp * g.wp, owp = direct_dy_row(g.ow), dplane = (size_t)g.oh * owp;
  for (int o0 = 0; o0 < g.oc; o0 += r_max) {
    const int r = g.oc - o0 < r_max ? g.oc - o0 : r_max;
    for (int c = 0; c < g.c; ++c)
      for (int i = 0; i < g.kh; ++i)
        for (int j0 = 0; j0 < g.kw; j0 += tj_max) {
          const int tj = g.kw - j0 < tj_max ? g.kw - j0 : tj_max;
          weights_cols_of<V>(r, tj)(g, xpad + c * plane + (size_t)i * g.wp + j0, dy + o0 * dplane, owp,
                                    dwT + ((size_t)(c * g.kh + i) * g.kw + j0) * g.ocp + o0);
        }
  }
}

}  // namespace
}  // namespace cnn
