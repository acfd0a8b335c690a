// Element-wise activations and their derivatives, taken from the forward output y (see
// activation.h). Loops are plain and branch-free so the compiler vectorises them; only
// large arrays get a parallel region, as small ones finish before the threads wake.
#include "kernels/activation.h"
#include "kernels/threads.h"
#include <cmath>
#include <cstring>

namespace cnn {

namespace {

constexpr size_t kParallelMinCount = 32 * 1024;
constexpr float kScaledTanhA = 1.7159f;
constexpr float kScaledTanhS = 2.0f / 3.0f;

// Applies f to every index in [0, count), in parallel when count is large.
template <typename F>
void for_each_index(size_t count, F f) {
  const long long n = (long long)count;
#pragma omp parallel for simd schedule(static) num_threads(num_threads()) if (count > kParallelMinCount)
  for (long long i = 0; i < n; ++i) f(i);
}

// dx (=|+=) g(i); the choice is made once per call rather than per element.
template <typename G>
void store_gradient(size_t count, float* dx, bool accumulate, G g) {
  if (accumulate) for_each_index(count, [&](long long i) { dx[i] += g(i); });
  else for_each_index(count, [&](long long i) { dx[i] = g(i); });
}

}  // namespace

bool parse_activation(const char* name, Activation* out) {
  if (!name) return false;
  if (std::strcmp(name, "relu") == 0) *out = Activation::Relu;
  else if (std::strcmp(name, "tanh") == 0) *out = Activation::Tanh;
  else if (std::strcmp(name, "sigmoid") == 0) *out = Activation::Sigmoid;
  else if (std::strcmp(name, "scaled-tanh") == 0) *out = Activation::ScaledTanh;
  else return false;
  return true;
}

void activation_forward(Activation a, size_t count,
                        const float* x,  // (count)
                        float* y) {      // (count); may equal x (in place)
  switch (a) {
    case Activation::Relu:
      for_each_index(count, [&](long long i) { y[i] = x[i] > 0.0f ? x[i] : 0.0f; });
      break;
    case Activation::Tanh:
      for_each_index(count, [&](long long i) { y[i] = std::tanh(x[i]); });
      break;
    case Activation::Sigmoid:
      // exp(-x) overflows to inf for very negative x, giving exactly 0: no NaN.
      for_each_index(count, [&](long long i) { y[i] = 1.0f / (1.0f + std::exp(-x[i])); });
      break;
    case Activation::ScaledTanh:
      for_each_index(count, [&](long long i) { y[i] = kScaledTanhA * std::tanh(kScaledTanhS * x[i]); });
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
      store_gradient(count, dx, accumulate, [&](long long i) { return y[i] > 0.0f ? dy[i] : 0.0f; });
      break;
    case Activation::Tanh:
      store_gradient(count, dx, accumulate, [&](long long i) { return (1.0f - y[i] * y[i]) * dy[i]; });
      break;
    case Activation::Sigmoid:
      store_gradient(count, dx, accumulate, [&](long long i) { return y[i] * (1.0f - y[i]) * dy[i]; });
      break;
    case Activation::ScaledTanh:
      store_gradient(count, dx, accumulate, [&](long long i) {
        return kScaledTanhS * (kScaledTanhA - y[i] * y[i] * (1.0f / kScaledTanhA)) * dy[i];
      });
      break;
  }
}

}  // namespace cnn
