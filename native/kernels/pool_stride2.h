// Max pooling of one plane at column stride 2 with no padding (LeNet's and VGG's 2x2 pools,
// AlexNet's and ResNet's 3x3 ones), in an instruction-set unit of its own (pool.cpp picks
// it). Same results as pool.cpp's loops, bit for bit: window cells visited row by row,
// the first of equal maxima kept, a NaN in a window's first cell kept.
#pragma once
#include <cstdint>
#include "kernels/pool.h"

namespace cnn {

// y (OH, OW) and argmax (index into the H*W plane) of plane x (H, W); s.sw == 2, no padding.
using MaxPoolPlaneFn = void (*)(const Pool2dShape& s, const float* x, float* y, int32_t* argmax);

MaxPoolPlaneFn maxpool_plane_stride2_avx512();  // pool_stride2_avx512.cpp

}  // namespace cnn
