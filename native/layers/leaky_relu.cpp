// leaky-relu: x for x > 0, else negativeSlope * x (PyTorch's LeakyReLU; negativeSlope
// defaults to 0.01 there and in the TypeScript kind). Same shape, no parameters; backward
// from the forward input.
#include "kernels/activation.h"
#include "layers/layer.h"

namespace cnn {
namespace {

class LeakyRelu : public Layer {
 public:
  void parse(LayerOptions& o) override { slope_ = o.number("negativeSlope", false, 0.01f); }
  std::string check_shapes() const override { return expect_out(desc.in_shape, "element-wise layers keep the shape"); }
  void forward(const LayerIO& io, int n, const StepContext&) override {
    leaky_relu_forward(in_count(n), slope_, io.x[0], out.data());
  }
  void backward(const LayerIO& io, int n, const StepContext&) override {
    if (io.dx[0]) leaky_relu_backward(in_count(n), slope_, io.x[0], dout.data(), io.dx[0], io.accumulate[0]);
  }

 private:
  float slope_ = 0.01f;
};

}  // namespace

std::unique_ptr<Layer> make_leaky_relu() { return std::make_unique<LeakyRelu>(); }

}  // namespace cnn
