// dropout (inverted): in training each value is zeroed with probability p and the rest
// scaled by 1/(1-p), the mask drawn from the step's seed and the layer's index; in
// evaluation the identity.
#include <cstring>

#include "kernels/dropout.h"
#include "layers/layer.h"

namespace cnn {
namespace {

class Dropout : public Layer {
 public:
  void parse(LayerOptions& o) override {
    p_ = o.number("p", true, 0);  // as a float: a p that rounds to 1 is rejected too
    if (!(p_ >= 0 && p_ < 1)) o.fail_range("p must be in [0, 1)");
  }
  std::string check_shapes() const override {
    if (!(p_ >= 0 && p_ < 1)) return "p must be in [0, 1)";
    return expect_out(desc.in_shape, "element-wise layers keep the shape");
  }
  void plan(const BuildSettings& settings) override {
    mask_.assign((size_t)settings.max_batch * desc.out_shape.count(), 0);
  }
  size_t own_bytes() const override { return mask_.capacity(); }

  void forward(const LayerIO& io, int n, const StepContext& ctx) override {
    if (ctx.train)
      dropout_forward(in_count(n), p_, ctx.seed, index, io.x[0], out.data(), mask_.data());
    else
      std::memcpy(out.data(), io.x[0], in_count(n) * sizeof(float));
  }
  void backward(const LayerIO& io, int n, const StepContext&) override {
    if (io.dx[0]) dropout_backward(in_count(n), p_, mask_.data(), dout.data(), io.dx[0], io.accumulate[0]);
  }

 private:
  float p_ = 0;                // probability of zeroing a value
  std::vector<uint8_t> mask_;  // (max_batch, C, H, W): 1 kept, 0 dropped
};

}  // namespace

std::unique_ptr<Layer> make_dropout() { return std::make_unique<Dropout>(); }

}  // namespace cnn
