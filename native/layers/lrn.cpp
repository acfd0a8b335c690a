// lrn: local response normalisation across channels (Krizhevsky et al. 2012, PyTorch's
// LocalResponseNorm). The binding requires all four settings.
#include <climits>
#include <cmath>

#include "kernels/lrn.h"
#include "layers/layer.h"

namespace cnn {
namespace {

class Lrn : public Layer {
 public:
  void parse(LayerOptions& o) override {
    std::unique_ptr<LayerOptions> l = o.object("lrn", "an object { size, alpha, beta, k }");
    lrn_.size = l->integer("size", 1, INT_MAX);
    lrn_.alpha = l->number("alpha", true, 0);
    lrn_.beta = l->number("beta", true, 0);
    lrn_.k = l->number("k", true, 0);
  }
  std::string check_shapes() const override {
    if (lrn_.size < 1) return "lrn.size must be >= 1";
    if (!(std::isfinite(lrn_.alpha) && lrn_.alpha >= 0)) return "lrn.alpha must be a finite number >= 0";
    if (!(std::isfinite(lrn_.beta) && lrn_.beta >= 0)) return "lrn.beta must be a finite number >= 0";
    if (!(std::isfinite(lrn_.k) && lrn_.k > 0)) return "lrn.k must be a finite number > 0";
    return expect_out(desc.in_shape, "normalisation keeps the shape");
  }
  void plan(const BuildSettings& settings) override {
    scale_.assign((size_t)settings.max_batch * desc.out_shape.count(), 0.0f);
  }
  size_t own_bytes() const override { return scale_.capacity() * sizeof(float); }

  void forward(const LayerIO& io, int n, const StepContext&) override {
    const Shape3& in = desc.in_shape;
    lrn_forward(n, in.c, in.h * in.w, lrn_, io.x[0], out.data(), scale_.data());
  }
  void backward(const LayerIO& io, int n, const StepContext&) override {
    if (!io.dx[0]) return;
    const Shape3& in = desc.in_shape;
    lrn_backward(n, in.c, in.h * in.w, lrn_, io.x[0], out.data(), scale_.data(), dout.data(), io.dx[0],
                 io.accumulate[0]);
  }

 private:
  LrnParams lrn_{5, 1e-4f, 0.75f, 1.0f};
  std::vector<float> scale_;  // (max_batch, C, H, W): k + alpha/size * window sum of squares
};

}  // namespace

std::unique_ptr<Layer> make_lrn() { return std::make_unique<Lrn>(); }

}  // namespace cnn
