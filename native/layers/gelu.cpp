// gelu: x * Phi(x), the exact erf form (PyTorch's GELU default). Same shape, no parameters;
// backward from the forward input.
#include "kernels/activation.h"
#include "layers/layer.h"

namespace cnn {
namespace {

class Gelu : public Layer {
 public:
  std::string check_shapes() const override { return expect_out(desc.in_shape, "element-wise layers keep the shape"); }
  void forward(const LayerIO& io, int n, const StepContext&) override {
    gelu_forward(in_count(n), io.x[0], out.data());
  }
  void backward(const LayerIO& io, int n, const StepContext&) override {
    if (io.dx[0]) gelu_backward(in_count(n), io.x[0], dout.data(), io.dx[0], io.accumulate[0]);
  }
};

}  // namespace

std::unique_ptr<Layer> make_gelu() { return std::make_unique<Gelu>(); }

}  // namespace cnn
