// Inverted dropout: in training each value is kept with probability 1 - p and scaled by
// 1 / (1 - p), else zeroed, so evaluation is the identity. Whether element i is kept is a
// pure function of (seed, stream, i): a counter-based hash, not a sequential generator, so
// the mask is reproducible for a seed and identical for any thread count or split of the
// work. `stream` separates the layers of one network (the layer index) under one step seed.
// The mask is stored as one byte per element for backward.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cnn {

// 1 when element `index` of (seed, stream) survives dropout with probability p, else 0.
uint8_t dropout_keep(uint32_t seed, uint32_t stream, uint64_t index, float p);

// y = x * mask / (1 - p) ; 0 <= p < 1.
void dropout_forward(size_t count, float p, uint32_t seed, uint32_t stream,
                     const float* x,  // (count)
                     float* y,        // (count)
                     uint8_t* mask);  // (count): 1 kept, 0 dropped

// dx (=|+=) dy * mask / (1 - p)
void dropout_backward(size_t count, float p,
                      const uint8_t* mask,  // (count)
                      const float* dy,      // (count)
                      float* dx,            // (count)
                      bool accumulate);

}  // namespace cnn
