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
                              float* db,          // (count) or nullptr
                              bool accumulate_b);

}  // namespace cnn
