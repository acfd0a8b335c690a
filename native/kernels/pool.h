// Max and average pooling over KH x KW windows with stride SH SW and padding PH PW, NCHW.
// OH = (H + 2PH - KH) / SH + 1. Max pooling treats padding as -infinity and remembers the
// winning input index per output; average pooling counts padded cells (PyTorch's
// count_include_pad=True).
#pragma once
#include <cstdint>

namespace cnn {

struct Pool2dShape {
  int n, c, h, w;
  int kh, kw, sh, sw, ph, pw;
  int oh, ow;
};

bool pool2d_output_size(Pool2dShape& s);  // fills oh, ow; false if empty

void maxpool2d_forward(const Pool2dShape& s,
                       const float* x,    // (N, C, H, W)
                       float* y,          // (N, C, OH, OW)
                       int32_t* argmax);  // (N, C, OH, OW): index into the H*W plane

void maxpool2d_backward(const Pool2dShape& s,
                        const float* dy,        // (N, C, OH, OW)
                        const int32_t* argmax,  // (N, C, OH, OW)
                        float* dx,              // (N, C, H, W)
                        bool accumulate);

void avgpool2d_forward(const Pool2dShape& s,
                       const float* x,  // (N, C, H, W)
                       float* y);       // (N, C, OH, OW)

void avgpool2d_backward(const Pool2dShape& s,
                        const float* dy,  // (N, C, OH, OW)
                        float* dx,        // (N, C, H, W)
                        bool accumulate);

}  // namespace cnn
