// Element-wise addition of two tensors of one shape: the merge of a residual block
// (out = branch + shortcut). Backward routes dout unchanged to both inputs.
#pragma once
#include <cstddef>

namespace cnn {

// out = a + b
void elementwise_add_forward(size_t count,
                             const float* a,  // (count)
                             const float* b,  // (count)
                             float* out);     // (count)

// da (=|+=) dout ; db (=|+=) dout. Either may be nullptr (no gradient wanted). da and db may
// be the same buffer (a layer added to itself): each element is written for a, then for b,
// so with accumulate_b set the buffer ends with twice dout.
void elementwise_add_backward(size_t count,
                              const float* dout,  // (count)
                              float* da,          // (count) or nullptr
                              bool accumulate_a,
                              float* db,  // (count) or nullptr
                              bool accumulate_b);

// The add followed by a ReLU in one pass (the network fuses an add whose only consumer is a
// relu): out = max(a + b, 0), bitwise elementwise_add_forward then the ReLU. Backward takes
// the ReLU's output y and the gradient wrt it: da (=|+=) (y > 0 ? dout : 0), db likewise,
// with the aliasing contract above.
void elementwise_add_relu_forward(size_t count,
                                  const float* a,  // (count)
                                  const float* b,  // (count)
                                  float* out);     // (count)
void elementwise_add_relu_backward(size_t count,
                                   const float* y,     // (count): the ReLU's output
                                   const float* dout,  // (count): gradient wrt y
                                   float* da,          // (count) or nullptr
                                   bool accumulate_a,
                                   float* db,  // (count) or nullptr
                                   bool accumulate_b);

}  // namespace cnn
