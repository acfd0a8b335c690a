// Max pooling at column stride 2 for AVX-512 (see pool_stride2.h): 16 outputs of a row per
// vector. A window cell of those outputs is every other float of 31 consecutive ones: two
// masked loads (nothing past the plane is touched) and one permute that keeps the even
// lanes; the odd lanes of the same loads are the next cell of the window row. The compare-and-select is pool.cpp's:
// take the cell where it is greater (false for NaN), so the first of equal maxima stays.
#include <immintrin.h>
#include <algorithm>
#include "kernels/pool_stride2.h"

namespace cnn {
namespace {

__mmask16 first_lanes(int n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << std::max(n, 0)) - 1); }

// The floats p[0, span) as two vectors, masked: nothing past them is read.
struct Pair {
  __m512 lo, hi;
};
inline Pair load_span(const float* p, int span) {
  return {_mm512_maskz_loadu_ps(first_lanes(span), p), _mm512_maskz_loadu_ps(first_lanes(span - 16), p + 16)};
}

// Lanes k of p[2k] (even) and p[2k + 1] (odd) from a span loaded at p.
inline __m512 even_of(const Pair& v) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  return _mm512_permutex2var_ps(v.lo, even, v.hi);
}
inline __m512 odd_of(const Pair& v) {
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  return _mm512_permutex2var_ps(v.lo, odd, v.hi);
}

// Takes cell value v (at plane index first + 2k in lane k) where it is greater than best.
inline void take_greater(__m512 v, int first, __m512& best, __m512i& index) {
  const __m512i lane_offsets = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __mmask16 greater = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
  best = _mm512_mask_blend_ps(greater, best, v);
  index = _mm512_mask_blend_epi32(greater, index, _mm512_add_epi32(_mm512_set1_epi32(first), lane_offsets));
}

// Planes follow one another in the batch; each row of outputs asks for its share of the next
// plane's cache lines, so the next plane's reads do not each wait on memory (the hardware
// prefetcher stops at page boundaries, and a plane is often a page). A prefetch past the
// batch's end is harmless: it is a hint, never a fault.
void maxpool_plane_stride2(const Pool2dShape& s, const float* x, float* y, int32_t* argmax) {
  const __m512i lane_offsets = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const char* next_plane = reinterpret_cast<const char*>(x + (size_t)s.h * s.w);
  const size_t plane_bytes = (size_t)s.h * s.w * sizeof(float);
  const size_t bytes_per_row = (plane_bytes + s.oh - 1) / s.oh;
  for (int oy = 0; oy < s.oh; ++oy) {
    for (size_t b = oy * bytes_per_row; b < std::min(plane_bytes, (oy + 1) * bytes_per_row); b += 64)
      _mm_prefetch(next_plane + b, _MM_HINT_T0);
    for (int ox0 = 0; ox0 < s.ow; ox0 += 16) {
      const int count = std::min(16, s.ow - ox0);
      const int base = oy * s.sh * s.w + ox0 * 2;  // window cell (0, 0) of output ox0
      // Cells j and j + 1 of a window row are the even and odd floats of one span.
      __m512 best = _mm512_setzero_ps();
      __m512i index = _mm512_setzero_si512();
      for (int i = 0; i < s.kh; ++i)
        for (int j = 0; j < s.kw; j += 2) {
          const int first = base + i * s.w + j;
          const bool both = j + 1 < s.kw;
          const Pair v = load_span(x + first, 2 * count - (both ? 0 : 1));
          if ((i | j) == 0) {
            best = even_of(v);
            index = _mm512_add_epi32(_mm512_set1_epi32(first), lane_offsets);
          } else {
            take_greater(even_of(v), first, best, index);
          }
          if (both) take_greater(odd_of(v), first + 1, best, index);
        }
      const __mmask16 out = first_lanes(count);
      _mm512_mask_storeu_ps(y + oy * s.ow + ox0, out, best);
      _mm512_mask_storeu_epi32(argmax + oy * s.ow + ox0, out, index);
    }
  }
}

}  // namespace

MaxPoolPlaneFn maxpool_plane_stride2_avx512() { return maxpool_plane_stride2; }

}  // namespace cnn
