// The element-wise activations of kernels/activation.h: relu, tanh, sigmoid and LeCun's
// scaled tanh. Same shape out as in, no parameters; backward works from the output. A relu
// may be fused into the layer before it in training (net/fusion.cpp).
#include "kernels/activation.h"
#include "layers/layer.h"

namespace cnn {
namespace {

class ElementwiseActivation : public Layer {
 public:
  explicit ElementwiseActivation(Activation a) : act_(a) {}
  std::string check_shapes() const override { return expect_out(desc.in_shape, "element-wise layers keep the shape"); }
  bool is_relu() const override { return act_ == Activation::Relu; }
  void forward(const LayerIO& io, int n, const StepContext&) override {
    activation_forward(act_, in_count(n), io.x[0], out.data());
  }
  void backward(const LayerIO& io, int n, const StepContext&) override {
    if (io.dx[0]) activation_backward(act_, in_count(n), out.data(), dout.data(), io.dx[0], io.accumulate[0]);
  }

 private:
  Activation act_;
};

}  // namespace

std::unique_ptr<Layer> make_relu() { return std::make_unique<ElementwiseActivation>(Activation::Relu); }
std::unique_ptr<Layer> make_tanh() { return std::make_unique<ElementwiseActivation>(Activation::Tanh); }
std::unique_ptr<Layer> make_sigmoid() { return std::make_unique<ElementwiseActivation>(Activation::Sigmoid); }
std::unique_ptr<Layer> make_scaled_tanh() { return std::make_unique<ElementwiseActivation>(Activation::ScaledTanh); }

}  // namespace cnn
