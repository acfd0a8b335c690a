// add: the element-wise sum of two producers' outputs of one shape (a residual block's
// shortcut and body; they may be the same layer). In training it fuses the relu that is its
// only reader.
#include "kernels/add.h"
#include "layers/layer.h"

namespace cnn {
namespace {

class Add : public Layer {
 public:
  int input_count() const override { return 2; }
  bool is_add() const override { return true; }
  std::string check_shapes() const override { return expect_out(desc.in_shape, "element-wise layers keep the shape"); }
  void forward(const LayerIO& io, int n, const StepContext&) override {
    elementwise_add_forward(in_count(n), io.x[0], io.x[1], out.data());
  }
  void backward(const LayerIO& io, int n, const StepContext&) override {
    elementwise_add_backward(in_count(n), dout.data(), io.dx[0], io.accumulate[0], io.dx[1], io.accumulate[1]);
  }
  bool fuses_relu() const override { return true; }
  void forward_relu(const LayerIO& io, int n, const StepContext&, Layer& relu) override {
    elementwise_add_relu_forward(in_count(n), io.x[0], io.x[1], relu.out.data());
  }
  void backward_relu(const LayerIO& io, int n, const StepContext&, Layer& relu) override {
    elementwise_add_relu_backward(in_count(n), relu.out.data(), relu.dout.data(), io.dx[0], io.accumulate[0], io.dx[1],
                                  io.accumulate[1]);
  }
};

}  // namespace

std::unique_ptr<Layer> make_add() { return std::make_unique<Add>(); }

}  // namespace cnn
