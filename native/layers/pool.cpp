// maxpool and avgpool over KH x KW windows (stride defaults to the kernel). Max pooling
// remembers each output's winning input for its backward; average pooling counts padded
// cells (PyTorch's count_include_pad=True). The window must always see a real input value.
#include "kernels/pool.h"
#include "layers/layer.h"
#include "layers/window.h"

namespace cnn {
namespace {

class Pool : public Layer {
 public:
  void parse(LayerOptions& o) override { window_.parse(o, kind, true); }
  std::string check_shapes() const override {
    std::string e = window_.check(true);
    if (!e.empty()) return e;
    Pool2dShape s = shape(1);
    if (!pool2d_output_size(s)) return "kernel larger than the padded input: the output would be empty";
    return expect_out({desc.in_shape.c, s.oh, s.ow}, "pooling keeps the channels; pool2d output size");
  }

 protected:
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
};

class MaxPool : public Pool {
 public:
  void plan(const BuildSettings& settings) override {
    argmax_.assign((size_t)settings.max_batch * desc.out_shape.count(), 0);
  }
  size_t own_bytes() const override { return argmax_.capacity() * sizeof(int32_t); }
  void forward(const LayerIO& io, int n, const StepContext&) override {
    maxpool2d_forward(shape(n), io.x[0], out.data(), argmax_.data());
  }
  void backward(const LayerIO& io, int n, const StepContext&) override {
    if (io.dx[0]) maxpool2d_backward(shape(n), dout.data(), argmax_.data(), io.dx[0], io.accumulate[0]);
  }

 private:
  std::vector<int32_t> argmax_;  // (max_batch, C, OH, OW): index into the H*W plane
};

class AvgPool : public Pool {
 public:
  void forward(const LayerIO& io, int n, const StepContext&) override {
    avgpool2d_forward(shape(n), io.x[0], out.data());
  }
  void backward(const LayerIO& io, int n, const StepContext&) override {
    if (io.dx[0]) avgpool2d_backward(shape(n), dout.data(), io.dx[0], io.accumulate[0]);
  }
};

}  // namespace

std::unique_ptr<Layer> make_maxpool() { return std::make_unique<MaxPool>(); }
std::unique_ptr<Layer> make_avgpool() { return std::make_unique<AvgPool>(); }

}  // namespace cnn
