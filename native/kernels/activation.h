// Element-wise activations. Backward passes take the forward OUTPUT y (what forward saved),
// so no input copy is kept: relu' = y > 0, tanh' = 1 - y^2, sigmoid' = y (1 - y),
// scaled tanh (LeCun 1998: A tanh(S x), A = 1.7159, S = 2/3)' = S (A - y^2 / A).
#pragma once
#include <cstddef>

namespace cnn {

enum class Activation { Relu = 0, Tanh = 1, Sigmoid = 2, ScaledTanh = 3 };

// Parses "relu", "tanh", "sigmoid", "scaled-tanh"; returns false for anything else.
bool parse_activation(const char* name, Activation* out);

// max(0, v) as every ReLU here computes it (a NaN gives 0), so fused kernels match the layer.
inline float relu_of(float v) { return v > 0.0f ? v : 0.0f; }

// p[i] = relu_of(p[i]) on the calling thread: for kernels that apply the ReLU to their own
// output while it is in cache, from inside their parallel region.
inline void relu_in_place(float* p, size_t count) {
  for (size_t i = 0; i < count; ++i) p[i] = relu_of(p[i]);
}

void activation_forward(Activation a, size_t count,
                        const float* x,  // (count)
                        float* y);       // (count); may equal x (in place)

// dx (=|+=) f'(x) * dy, computed from y
void activation_backward(Activation a, size_t count,
                         const float* y,   // (count)
                         const float* dy,  // (count)
                         float* dx,        // (count); may equal dy when !accumulate
                         bool accumulate);

// Activations whose backward needs the forward INPUT x (which the network keeps): leaky
// ReLU (x for x > 0, else slope * x; PyTorch's LeakyReLU) and GELU in its exact form
// x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (PyTorch's GELU(approximate='none')).
void leaky_relu_forward(size_t count, float slope,
                        const float* x,  // (count)
                        float* y);       // (count)
// dx (=|+=) (x > 0 ? 1 : slope) * dy
void leaky_relu_backward(size_t count, float slope,
                         const float* x,   // (count)
                         const float* dy,  // (count)
                         float* dx,        // (count)
                         bool accumulate);
void gelu_forward(size_t count,
                  const float* x,  // (count)
                  float* y);       // (count)
// dx (=|+=) (Phi(x) + x phi(x)) * dy
void gelu_backward(size_t count,
                   const float* x,   // (count)
                   const float* dy,  // (count)
                   float* dx,        // (count)
                   bool accumulate);

}  // namespace cnn
