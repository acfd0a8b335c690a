// conv2d: a 2-D convolution with OC filters (OC, C, KH, KW) and an optional bias (OC). Its
// algorithm for each operation (im2col + GEMM, implicit GEMM or direct) is chosen once, in
// plan(), by kernels/conv2d_algorithm.h's rule from the network's setting, and recorded.
// In training it fuses the relu that is its only reader: the relu runs on each image's
// output while it is in cache, and its mask on each image's gradient where the direct
// kernels run the backward.
#include "kernels/conv2d.h"
#include "layers/layer.h"
#include "layers/window.h"

namespace cnn {
namespace {

class Conv2d : public Layer {
 public:
  void parse(LayerOptions& o) override { window_.parse(o, "conv2d", false); }

  std::string check_shapes() const override {
    std::string e = window_.check(false);
    if (!e.empty()) return e;
    Conv2dShape s = shape(1);
    if (!conv2d_output_size(s)) return "kernel larger than the padded input: the output would be empty";
    return expect_out({desc.out_shape.c, s.oh, s.ow}, "conv2d output size");
  }
  size_t implied_weight_size() const override {
    return (size_t)desc.out_shape.c * desc.in_shape.c * window_.kernel[0] * window_.kernel[1];
  }
  size_t implied_bias_size() const override { return (size_t)desc.out_shape.c; }
  bool requires_weight() const override { return true; }

  void plan(const BuildSettings& settings) override {
    algorithms_ = choose_conv_algorithms(shape(settings.max_batch), settings.conv_path, settings.precision);
  }
  size_t workspace_floats(int n, int threads) const override { return conv2d_workspace_floats(shape(n), threads); }
  std::string algorithm() const override { return conv_algorithms_text(algorithms_); }

  void forward(const LayerIO& io, int n, const StepContext& ctx) override {
    conv2d_forward(shape(n), algorithms_, io.x[0], weight(ctx.params), bias(ctx.params), out.data(), ctx.workspace);
  }
  void backward(const LayerIO& io, int n, const StepContext& ctx) override {
    conv2d_backward(shape(n), algorithms_, io.x[0], dout.data(), nullptr, nullptr, weight(ctx.params),
                    weight(ctx.grads), bias(ctx.grads), io.dx[0], io.accumulate[0], ctx.workspace);
  }

  bool fuses_relu() const override { return true; }
  void forward_relu(const LayerIO& io, int n, const StepContext& ctx, Layer& relu) override {
    conv2d_forward_relu(shape(n), algorithms_, io.x[0], weight(ctx.params), bias(ctx.params), relu.out.data(),
                        ctx.workspace);
  }
  // The relu's gradient is masked into this layer's dout, or image by image in cache where
  // the direct kernels run both backward ops (conv2d_backward).
  void backward_relu(const LayerIO& io, int n, const StepContext& ctx, Layer& relu) override {
    conv2d_backward(shape(n), algorithms_, io.x[0], relu.dout.data(), relu.out.data(), dout.data(), weight(ctx.params),
                    weight(ctx.grads), bias(ctx.grads), io.dx[0], io.accumulate[0], ctx.workspace);
  }

  bool decays_weights() const override { return true; }

 private:
  Conv2dShape shape(int n) const {
    const Shape3& in = desc.in_shape;
    Conv2dShape s{n,
                  in.c,
                  in.h,
                  in.w,
                  desc.out_shape.c,
                  window_.kernel[0],
                  window_.kernel[1],
                  window_.stride[0],
                  window_.stride[1],
                  window_.pad[0],
                  window_.pad[1],
                  0,
                  0};
    conv2d_output_size(s);
    return s;
  }

  Window window_;
  ConvAlgorithms algorithms_;
};

}  // namespace

std::unique_ptr<Layer> make_conv2d() { return std::make_unique<Conv2d>(); }

}  // namespace cnn
