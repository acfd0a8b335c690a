// dense: a fully connected layer, weights (OUT, IN) and an optional bias (OUT). It reads its
// input flat (C*H*W values per image), so a convolution's output needs no flatten first.
#include "kernels/dense.h"
#include "layers/layer.h"

namespace cnn {
namespace {

class Dense : public Layer {
 public:
  bool reads_flat_input() const override { return true; }
  std::string check_shapes() const override {
    if (desc.out_shape.h != 1 || desc.out_shape.w != 1)
      return "outShape " + shape_text(desc.out_shape) + " should be [units, 1, 1]";
    return "";
  }
  size_t implied_weight_size() const override { return (size_t)desc.out_shape.c * desc.in_shape.count(); }
  size_t implied_bias_size() const override { return (size_t)desc.out_shape.c; }
  bool requires_weight() const override { return true; }

  void plan(const BuildSettings& settings) override { precision_ = settings.precision; }
  std::string algorithm() const override { return precision_ == Precision::fp32 ? "" : precision_name(precision_); }

  void forward(const LayerIO& io, int n, const StepContext& ctx) override {
    dense_forward(n, inputs(), desc.out_shape.c, io.x[0], weight(ctx.params), bias(ctx.params), out.data(), precision_);
  }
  void backward(const LayerIO& io, int n, const StepContext& ctx) override {
    dense_backward_weights(n, inputs(), desc.out_shape.c, io.x[0], dout.data(), weight(ctx.grads), bias(ctx.grads),
                           precision_);
    if (io.dx[0])
      dense_backward_data(n, inputs(), desc.out_shape.c, dout.data(), weight(ctx.params), io.dx[0], io.accumulate[0],
                          precision_);
  }
  bool decays_weights() const override { return true; }

 private:
  int inputs() const { return (int)desc.in_shape.count(); }
  Precision precision_ = Precision::fp32;
};

}  // namespace

std::unique_ptr<Layer> make_dense() { return std::make_unique<Dense>(); }

}  // namespace cnn
