// subsample: LeNet-5's subsampling, an average pool followed by a trainable coefficient and
// bias per map (channel_affine). The pooled intermediate is kept for the coefficient's
// gradient; its gradient goes through the network's shared scratch.
#include "kernels/channel_affine.h"
#include "kernels/pool.h"
#include "layers/layer.h"
#include "layers/window.h"

namespace cnn {
namespace {

class Subsample : public Layer {
 public:
  void parse(LayerOptions& o) override { window_.parse(o, "subsample", true); }
  std::string check_shapes() const override {
    std::string e = window_.check(true);
    if (!e.empty()) return e;
    Pool2dShape s = shape(1);
    if (!pool2d_output_size(s)) return "kernel larger than the padded input: the output would be empty";
    return expect_out({desc.in_shape.c, s.oh, s.ow}, "pooling keeps the channels; pool2d output size");
  }
  // A coefficient and a bias per map.
  size_t implied_weight_size() const override { return (size_t)desc.in_shape.c; }
  size_t implied_bias_size() const override { return (size_t)desc.in_shape.c; }
  bool requires_weight() const override { return true; }

  void plan(const BuildSettings& settings) override {
    pooled_.assign((size_t)settings.max_batch * desc.out_shape.count(), 0.0f);  // pooling keeps the shape of out
  }
  size_t scratch_floats(int max_batch) const override { return (size_t)max_batch * desc.out_shape.count(); }
  size_t own_bytes() const override { return pooled_.capacity() * sizeof(float); }

  void forward(const LayerIO& io, int n, const StepContext& ctx) override {
    Pool2dShape s = shape(n);
    avgpool2d_forward(s, io.x[0], pooled_.data());
    channel_affine_forward(n, s.c, s.oh * s.ow, pooled_.data(), weight(ctx.params), bias(ctx.params), out.data());
  }
  void backward(const LayerIO& io, int n, const StepContext& ctx) override {
    Pool2dShape s = shape(n);
    float* dpooled = io.dx[0] ? ctx.scratch : nullptr;  // (n, C, OH, OW)
    channel_affine_backward(n, s.c, s.oh * s.ow, pooled_.data(), weight(ctx.params), dout.data(), dpooled,
                            weight(ctx.grads), bias(ctx.grads), false);
    if (io.dx[0]) avgpool2d_backward(s, dpooled, io.dx[0], io.accumulate[0]);
  }

 private:
  Pool2dShape shape(int n) const {
    const Shape3& in = desc.in_shape;
    Pool2dShape s{n,
                  in.c,
                  in.h,
                  in.w,
                  window_.kernel[0],
                  window_.kernel[1],
                  window_.stride[0],
                  window_.stride[1],
                  window_.pad[0],
                  window_.pad[1],
                  0,
                  0};
    pool2d_output_size(s);
    return s;
  }
  Window window_;
  std::vector<float> pooled_;  // (max_batch, C, OH, OW): the average before the affine
};

}  // namespace

std::unique_ptr<Layer> make_subsample() { return std::make_unique<Subsample>(); }

}  // namespace cnn
