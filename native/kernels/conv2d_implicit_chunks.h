// How the AVX-512 panel writers (conv2d_implicit_avx512.cpp, conv2d_implicit_bf16_panel_avx512bf16.cpp)
// gather a panel row of up to 32 lanes: each 16-lane chunk is read by a few masked loads, one per
// run that reaches into the chunk (one in all when output rows are 16 wide or more), worked out
// once per panel: lane m of chunk q of the row of a tap reads tap + shift + m (in elements).
// Include only from units compiled for AVX-512.
#pragma once
#include <immintrin.h>
#include <cstddef>
#include "kernels/conv2d_implicit_panel.h"

namespace cnn {
namespace {

constexpr int kMaxPanelChunks = 2;  // panels of up to 32 columns

struct ChunkLoads {
  static constexpr int kMaxPieces = 17;  // output rows of one column: 16 runs, plus one
  int count = 0;
  __mmask16 lanes[kMaxPieces];
  ptrdiff_t shift[kMaxPieces];
};

// chunks[0 .. ceil(nr / 16)) for the runs of a panel of nr <= 32 lanes; returns how many.
inline int chunk_loads_of(const PanelRun* runs, int run_count, int nr, ChunkLoads* chunks) {
  const int chunk_count = (nr + 15) / 16;
  for (int q = 0; q < chunk_count; ++q) {
    chunks[q].count = 0;
    for (int r = 0; r < run_count; ++r) {
      const int c0 = 16 * q, lo = runs[r].lane > c0 ? runs[r].lane : c0;
      const int end = runs[r].lane + runs[r].len, hi = end < c0 + 16 ? end : c0 + 16;
      if (lo >= hi) continue;
      ChunkLoads& c = chunks[q];
      c.lanes[c.count] = (__mmask16)(((1u << (hi - c0)) - 1) & ~((1u << (lo - c0)) - 1));
      c.shift[c.count++] = (ptrdiff_t)runs[r].src + c0 - runs[r].lane;
    }
  }
  return chunk_count;
}

}  // namespace
}  // namespace cnn
