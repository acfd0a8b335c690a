// Element-wise activations. Backward passes take the forward OUTPUT y (what forward saved),
// so no input copy is kept: relu' = y > 0, tanh' = 1 - y^2, sigmoid' = y (1 - y),
// scaled tanh (LeCun 1998: A tanh(S x), A = 1.7159, S = 2/3)' = S (A - y^2 / A).
#pragma once
#include <cstddef>

namespace cnn {

enum class Activation { Relu = 0, Tanh = 1, Sigmoid = 2, ScaledTanh = 3 };

// Parses "relu", "tanh", "sigmoid", "scaled-tanh"; returns false for anything else.
bool parse_activation(const char* name, Activation* out);

void activation_forward(Activation a, size_t count,
                        const float* x,  // (count)
                        float* y);       // (count); may equal x (in place)

// dx (=|+=) f'(x) * dy, computed from y
void activation_backward(Activation a, size_t count,
                         const float* y,   // (count)
                         const float* dy,  // (count)
                         float* dx,        // (count); may equal dy when !accumulate
                         bool accumulate);

}  // namespace cnn
