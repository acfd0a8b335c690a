// flatten: [C, H, W] -> [C*H*W, 1, 1] in C, H, W order; the values are copied unchanged.
#include <climits>
#include <cstring>

#include "layers/layer.h"

namespace cnn {
namespace {

class Flatten : public Layer {
 public:
  bool reads_flat_input() const override { return true; }
  std::string check_shapes() const override {
    if (desc.in_shape.count() > (size_t)INT_MAX) return "inShape is too large";
    return expect_out({(int)desc.in_shape.count(), 1, 1}, "flatten gives [C*H*W, 1, 1]");
  }
  void forward(const LayerIO& io, int n, const StepContext&) override {
    std::memcpy(out.data(), io.x[0], in_count(n) * sizeof(float));
  }
  void backward(const LayerIO& io, int n, const StepContext&) override {
    float* dx = io.dx[0];
    if (!dx) return;
    if (!io.accumulate[0]) {
      std::memcpy(dx, dout.data(), in_count(n) * sizeof(float));
      return;
    }
    for (size_t i = 0, count = in_count(n); i < count; ++i) dx[i] += dout[i];
  }
};

}  // namespace

std::unique_ptr<Layer> make_flatten() { return std::make_unique<Flatten>(); }

}  // namespace cnn
