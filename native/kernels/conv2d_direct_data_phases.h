// Backward-data of a strided convolution as stride-1 convolutions, one per output phase, so the
// direct forward tiles run it (conv2d_direct.cpp). Along one axis, with stride S, filter size
// K and padding P, dx's rows y = S*u + a (phase a, 0 <= a < S) are reached only by the filter
// rows i = S*m + r with r = (a + P) mod S, and
//   dx[S*u + a] = sum over m of dy[u + d - m] * w[S*m + r],   d = (a + P - r) / S,
// a stride-1 correlation of dy with those M = ceil((K - r) / S) filter rows, flipped, over a
// window of dy that starts `top` = M - 1 - d rows above dy's first row. At stride 1 there is
// one phase, r = 0, M = K and top = K - 1 - P: the usual flipped-filter form. Both axes split
// alike, so a stride-2 layer runs as four small convolutions whose outputs interleave.
#pragma once
#include <algorithm>

namespace cnn {

// One axis of one phase.
struct PhaseAxis {
  int first_tap;  // r: this phase uses filter rows r, r + S, ...
  int taps;       // M: how many
  int top;        // dy's row 0 sits at this row of the phase's window (negative: unsupported)
  int count;      // dx rows a, a + S, ... that exist: the phase's output rows
};

// Phase a of an axis of `size` inputs (H or W), filter size k, stride, padding pad.
inline PhaseAxis phase_axis(int a, int stride, int k, int pad, int size) {
  PhaseAxis p;
  p.first_tap = (a + pad) % stride;
  p.taps = (k - p.first_tap + stride - 1) / stride;
  p.top = p.taps - 1 - (a + pad - p.first_tap) / stride;
  p.count = size > a ? (size - a + stride - 1) / stride : 0;
  return p;
}

// Every phase of the axis has filter rows and a window that starts at or above dy's first row.
inline bool phases_supported(int stride, int k, int pad, int size) {
  for (int a = 0; a < stride; ++a) {
    const PhaseAxis p = phase_axis(a, stride, k, pad, size);
    if (p.taps < 1 || p.top < 0) return false;
  }
  return true;
}

// The zero border around dy (of `out` rows) that holds every phase's window: each phase's
// window starts `pad - top` rows into the bordered plane and spans count + taps - 1 rows.
inline int phases_border(int stride, int k, int pad, int size, int out) {
  int border = 0;
  for (int a = 0; a < stride; ++a) {
    const PhaseAxis p = phase_axis(a, stride, k, pad, size);
    border = std::max({border, p.top, p.count + p.taps - 1 - p.top - out});
  }
  return border;
}

}  // namespace cnn
