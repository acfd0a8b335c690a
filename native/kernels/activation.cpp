// Element-wise activations and their derivatives, taken from the forward output y (see
// activation.h). Loops are plain and branch-free so the compiler vectorises them
// (for_each_range); only large arrays get a parallel region.
#include "kernels/activation.h"
#include "kernels/parallel_range.h"
#include <cmath>
#include <cstring>

namespace cnn {

namespace {

constexpr float kScaledTanhA = 1.7159f;
constexpr float kScaledTanhS = 2.0f / 3.0f;

// y[i] = f(x[i]) over the whole array, split over threads; f is applied in a plain loop.
template <typename F>
void map(size_t count, const float* x, float* y, F f) {
  for_each_range(count, [=](size_t b, size_t e) {
    const float* xs = x + b;
    float* ys = y + b;
    const size_t n = e - b;
    for (size_t i = 0; i < n; ++i) ys[i] = f(xs[i]);
  });
}

// dx (=|+=) g(y[i]) * dy[i]; the choice is made once per call rather than per element.
template <typename G>
void store_gradient(size_t count, const float* y, const float* dy, float* dx, bool accumulate, G g) {
  for_each_range(count, [=](size_t b, size_t e) {
    const float *ys = y + b, *dys = dy + b;
    float* dxs = dx + b;
    const size_t n = e - b;
    if (accumulate)
      for (size_t i = 0; i < n; ++i) dxs[i] += g(ys[i], dys[i]);
    else
      for (size_t i = 0; i < n; ++i) dxs[i] = g(ys[i], dys[i]);
  });
}

}  // namespace

bool parse_activation(const char* name, Activation* out) {
  if (!name) return false;
  if (std::strcmp(name, "relu") == 0)
    *out = Activation::Relu;
  else if (std::strcmp(name, "tanh") == 0)
    *out = Activation::Tanh;
  else if (std::strcmp(name, "sigmoid") == 0)
    *out = Activation::Sigmoid;
  else if (std::strcmp(name, "scaled-tanh") == 0)
    *out = Activation::ScaledTanh;
  else
    return false;
  return true;
}

void activation_forward(Activation a, size_t count,
                        const float* x,  // (count)
                        float* y) {      // (count); may equal x (in place)
  switch (a) {
    case Activation::Relu:
      map(count, x, y, [](float v) { return relu_of(v); });  // maxps; NaN gives 0
      break;
    case Activation::Tanh: map(count, x, y, [](float v) { return std::tanh(v); }); break;
    case Activation::Sigmoid:
      // exp(-x) overflows to inf for very negative x, giving exactly 0: no NaN.
      map(count, x, y, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
      break;
    case Activation::ScaledTanh:
      map(count, x, y, [](float v) { return kScaledTanhA * std::tanh(kScaledTanhS * v); });
      break;
  }
}

void activation_backward(Activation a, size_t count,
                         const float* y,   // (count)
                         const float* dy,  // (count)
                         float* dx,        // (count); may equal dy when !accumulate
                         bool accumulate) {
  switch (a) {
    case Activation::Relu:
      store_gradient(count, y, dy, dx, accumulate, [](float v, float d) { return v > 0.0f ? d : 0.0f; });
      break;
    case Activation::Tanh:
      store_gradient(count, y, dy, dx, accumulate, [](float v, float d) { return (1.0f - v * v) * d; });
      break;
    case Activation::Sigmoid:
      store_gradient(count, y, dy, dx, accumulate, [](float v, float d) { return v * (1.0f - v) * d; });
      break;
    case Activation::ScaledTanh:
      store_gradient(count, y, dy, dx, accumulate, [](float v, float d) {
        return kScaledTanhS * (kScaledTanhA - v * v * (1.0f / kScaledTanhA)) * d;
      });
      break;
  }
}

}  // namespace cnn

namespace cnn {

void leaky_relu_forward(size_t count, float slope, const float* x, float* y) {
  map(count, x, y, [slope](float v) { return v > 0.0f ? v : slope * v; });
}

void leaky_relu_backward(size_t count, float slope, const float* x, const float* dy, float* dx, bool accumulate) {
  store_gradient(count, x, dy, dx, accumulate, [slope](float v, float d) { return v > 0.0f ? d : slope * d; });
}

// PyTorch's default (approximate='none'): the normal CDF through erf, in float as torch's
// CPU kernel computes it.
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

void gelu_forward(size_t count, const float* x, float* y) {
  map(count, x, y, [](float v) { return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2)); });
}

void gelu_backward(size_t count, const float* x, const float* dy, float* dx, bool accumulate) {
  store_gradient(count, x, dy, dx, accumulate, [](float v, float d) {
    const float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
    const float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
    return (cdf + v * pdf) * d;
  });
}

}  // namespace cnn
