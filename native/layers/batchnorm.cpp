// batchnorm: per-channel normalisation over (N, H, W) with gamma (the weight, C) and beta
// (the bias, C). Its running mean and variance (C each) sit in the parameter array too, but
// are no parameter of SGD: training forwards update them, evaluation normalises with them.
// Data-parallel training may take the batch statistics over every process's images
// (set_statistics_sync). A frozen batchnorm (transfer learning) is the affine map of its
// running statistics in training as in evaluation (Keras's choice, not PyTorch's
// requires_grad=False, which keeps updating the statistics in train mode): the statistics
// the source model learnt stay as they were. In training it fuses the relu that is its only
// reader, unless frozen, and with an add (and its relu) that is its only reader.
#include <climits>
#include <cmath>

#include "kernels/batchnorm.h"
#include "layers/layer.h"

namespace cnn {
namespace {

class BatchNorm : public Layer {
 public:
  void parse(LayerOptions& o) override {
    mean_offset_ = running_offset(o, "runningMeanOffset");
    var_offset_ = running_offset(o, "runningVarOffset");
    eps_ = o.number("eps", false, kBatchNormDefaultEps);
    momentum_ = o.number("bnMomentum", false, kBatchNormDefaultMomentum);
  }

  std::string check_shapes() const override { return expect_out(desc.in_shape, "normalisation keeps the shape"); }
  size_t implied_weight_size() const override { return channels(); }  // gamma
  size_t implied_bias_size() const override { return channels(); }    // beta
  bool requires_weight() const override { return true; }
  bool requires_bias() const override { return true; }
  std::vector<ParamBuffer> buffers() const override {
    return {{"runningMean", mean_offset_, channels()}, {"runningVar", var_offset_, channels()}};
  }
  std::string check_buffers(size_t param_count) const override {
    std::string e = check_running("runningMeanOffset", mean_offset_, param_count);
    if (e.empty()) e = check_running("runningVarOffset", var_offset_, param_count);
    if (!e.empty()) return e;
    if (!(std::isfinite(eps_) && eps_ > 0)) return "eps must be a finite number > 0";
    if (!(momentum_ >= 0 && momentum_ <= 1)) return "bnMomentum must be in [0, 1]";
    return "";
  }

  void plan(const BuildSettings&) override {
    mean_.assign(channels(), 0.0f);
    inv_std_.assign(channels(), 0.0f);
  }
  size_t own_bytes() const override { return (mean_.capacity() + inv_std_.capacity()) * sizeof(float); }

  // As PyTorch: batch statistics of a single value per channel are degenerate (variance 0,
  // the output is beta whatever the input), so training refuses them; evaluation is fine.
  std::string check_training_batch(int n) const override {
    size_t values = (size_t)n * desc.in_shape.h * desc.in_shape.w;
    if (values >= 2) return "";
    return "layer '" + desc.name + "' (batchnorm) needs more than one value per channel in training, got n * H * W = " +
           std::to_string(values) + ": use a batch of at least 2";
  }

  void forward(const LayerIO& io, int n, const StepContext& ctx) override {
    if (ctx.train)
      batchnorm_forward_train(n, c(), plane(), io.x[0], weight(ctx.params), bias(ctx.params), eps_, momentum_,
                              out.data(), mean_.data(), inv_std_.data(), ctx.params + mean_offset_,
                              ctx.params + var_offset_, sync_);
    else
      batchnorm_forward_eval(n, c(), plane(), io.x[0], weight(ctx.params), bias(ctx.params), ctx.params + mean_offset_,
                             ctx.params + var_offset_, eps_, out.data());
  }
  void backward(const LayerIO& io, int n, const StepContext& ctx) override {
    if (desc.frozen) return frozen_backward(io, n, ctx);
    batchnorm_backward(n, c(), plane(), io.x[0], weight(ctx.params), mean_.data(), inv_std_.data(), dout.data(),
                       io.dx[0], weight(ctx.grads), bias(ctx.grads), io.accumulate[0], sync_);
  }

  bool fuses_relu() const override { return !desc.frozen; }
  void forward_relu(const LayerIO& io, int n, const StepContext& ctx, Layer& relu) override {
    batchnorm_relu_forward_train(n, c(), plane(), io.x[0], weight(ctx.params), bias(ctx.params), eps_, momentum_,
                                 relu.out.data(), mean_.data(), inv_std_.data(), ctx.params + mean_offset_,
                                 ctx.params + var_offset_, sync_);
  }
  void backward_relu(const LayerIO& io, int n, const StepContext& ctx, Layer& relu) override {
    batchnorm_relu_backward(n, c(), plane(), io.x[0], weight(ctx.params), bias(ctx.params), mean_.data(),
                            inv_std_.data(), relu.dout.data(), io.dx[0], weight(ctx.grads), bias(ctx.grads),
                            io.accumulate[0], sync_);
  }

  bool fuses_add_relu() const override { return !desc.frozen; }
  void forward_add_relu(const LayerIO& io, int n, const StepContext& ctx, const float* residual, Layer& relu) override {
    batchnorm_add_relu_forward_train(n, c(), plane(), io.x[0], residual, weight(ctx.params), bias(ctx.params), eps_,
                                     momentum_, relu.out.data(), mean_.data(), inv_std_.data(),
                                     ctx.params + mean_offset_, ctx.params + var_offset_, sync_);
  }
  void backward_add_relu(const LayerIO& io, int n, const StepContext& ctx, Layer& relu, float* dr,
                         bool dr_accumulate) override {
    batchnorm_add_relu_backward(n, c(), plane(), io.x[0], relu.out.data(), weight(ctx.params), mean_.data(),
                                inv_std_.data(), relu.dout.data(), io.dx[0], dr, dr_accumulate, weight(ctx.grads),
                                bias(ctx.grads), io.accumulate[0], sync_);
  }

  // A frozen batchnorm normalises with its running statistics: nothing to synchronize.
  bool set_statistics_sync(const CrossProcess* sync) override {
    sync_ = desc.frozen ? nullptr : sync;
    return !desc.frozen;
  }

 private:
  int c() const { return desc.in_shape.c; }
  size_t channels() const { return (size_t)desc.in_shape.c; }
  int plane() const { return desc.in_shape.h * desc.in_shape.w; }

  static int64_t running_offset(LayerOptions& o, const char* key) {
    if (!o.has(key)) o.fail_type(std::string(key) + " is required for a batchnorm layer");
    return o.integer(key, -1, INT_MAX);
  }

  // C floats inside the parameter array.
  std::string check_running(const char* field, int64_t offset, size_t param_count) const {
    const std::string f(field);
    if (offset < 0)
      return f + " is " + std::to_string(offset) + ": batchnorm keeps its running statistics in the parameter array";
    if ((uint64_t)offset > param_count || channels() > param_count - (size_t)offset)
      return f + " " + std::to_string(offset) + " + C " + std::to_string(channels()) +
             " lies outside the parameter array of " + std::to_string(param_count) + " floats";
    return "";
  }

  // y = gamma * (x - running_mean) * inv_std + beta, inv_std = 1 / sqrt(running_var + eps):
  // dx (=|+=) dy * gamma * inv_std. No parameter gradients (the layer is frozen).
  void frozen_backward(const LayerIO& io, int n, const StepContext& ctx) {
    float* dx = io.dx[0];
    if (!dx) return;
    const size_t s = (size_t)plane();
    const float* gamma = weight(ctx.params);              // (C)
    const float* running_var = ctx.params + var_offset_;  // (C)
    const float* dy = dout.data();                        // (N, C, S)
    for (int i = 0; i < n; ++i)
      for (int ch = 0; ch < c(); ++ch) {
        const float scale = gamma[ch] / std::sqrt(running_var[ch] + eps_);
        const size_t base = ((size_t)i * c() + ch) * s;
        if (io.accumulate[0])
          for (size_t k = 0; k < s; ++k) dx[base + k] += dy[base + k] * scale;
        else
          for (size_t k = 0; k < s; ++k) dx[base + k] = dy[base + k] * scale;
      }
  }

  int64_t mean_offset_ = -1, var_offset_ = -1;
  float eps_ = kBatchNormDefaultEps, momentum_ = kBatchNormDefaultMomentum;
  std::vector<float> mean_, inv_std_;   // (C) each: the batch statistics saved for backward
  const CrossProcess* sync_ = nullptr;  // nullptr: this process's batch alone
};

}  // namespace

std::unique_ptr<Layer> make_batchnorm() { return std::make_unique<BatchNorm>(); }

}  // namespace cnn
