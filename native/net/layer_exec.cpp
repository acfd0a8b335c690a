// Forward and backward of each layer kind, in terms of the kernels only. The layer's
// parameter tensors are views into the flat params/grads arrays at the layer's offsets.
// LeNet-5's subsampling is an average pool followed by a per-channel coefficient and bias
// (channel_affine), with the pooled intermediate kept for the coefficient's gradient.
#include <cstring>

#include "kernels/channel_affine.h"
#include "kernels/dense.h"
#include "net/layer_exec.h"

namespace cnn {
namespace {

const float* weight_of(const LayerDesc& d, const float* base) { return d.weight_size ? base + d.weight_offset : nullptr; }
float* weight_of(const LayerDesc& d, float* base) { return d.weight_size ? base + d.weight_offset : nullptr; }
const float* bias_of(const LayerDesc& d, const float* base) { return d.bias_size ? base + d.bias_offset : nullptr; }
float* bias_of(const LayerDesc& d, float* base) { return d.bias_size ? base + d.bias_offset : nullptr; }

Conv2dShape conv_n(const LayerState& L, int n) { Conv2dShape s = L.conv; s.n = n; return s; }
Pool2dShape pool_n(const LayerState& L, int n) { Pool2dShape s = L.pool; s.n = n; return s; }

// dx (=|+=) src, element-wise.
void copy_or_add(size_t count, const float* src, float* dx, bool accumulate) {
  if (!accumulate) { std::memcpy(dx, src, count * sizeof(float)); return; }
  for (size_t i = 0; i < count; ++i) dx[i] += src[i];
}

void subsample_forward(LayerState& L, int n, const float* params, const float* x) {
  Pool2dShape s = pool_n(L, n);
  avgpool2d_forward(s, x, L.pooled.data());
  channel_affine_forward(n, s.c, s.oh * s.ow, L.pooled.data(), weight_of(L.desc, params), bias_of(L.desc, params),
                         L.out.data());
}

void subsample_backward(LayerState& L, int n, const float* params, float* grads, float* dx, bool accumulate,
                        float* scratch) {
  Pool2dShape s = pool_n(L, n);
  float* dpooled = dx ? scratch : nullptr;  // (n, C, OH, OW)
  channel_affine_backward(n, s.c, s.oh * s.ow, L.pooled.data(), weight_of(L.desc, params), L.dout.data(), dpooled,
                          weight_of(L.desc, grads), bias_of(L.desc, grads), false);
  if (dx) avgpool2d_backward(s, dpooled, dx, accumulate);
}

void conv_backward(LayerState& L, int n, const float* params, float* grads, const float* x, float* dx,
                   bool accumulate, float* workspace) {
  Conv2dShape s = conv_n(L, n);
  conv2d_backward_weights(s, x, L.dout.data(), weight_of(L.desc, grads), bias_of(L.desc, grads), workspace);
  if (dx) conv2d_backward_data(s, L.dout.data(), weight_of(L.desc, params), dx, accumulate, workspace);
}

void dense_backward(LayerState& L, int n, const float* params, float* grads, const float* x, float* dx,
                    bool accumulate) {
  int in = (int)L.desc.in_shape.count(), out = L.desc.out_shape.c;
  dense_backward_weights(n, in, out, x, L.dout.data(), weight_of(L.desc, grads), bias_of(L.desc, grads));
  if (dx) dense_backward_data(n, in, out, L.dout.data(), weight_of(L.desc, params), dx, accumulate);
}

}  // namespace

void prepare_layer(LayerState& L) {
  const LayerDesc& d = L.desc;
  const Shape3& in = d.in_shape;
  L.conv = Conv2dShape{0, in.c, in.h, in.w, d.out_shape.c, d.kernel[0], d.kernel[1],
                       d.stride[0], d.stride[1], d.pad[0], d.pad[1], 0, 0};
  conv2d_output_size(L.conv);
  L.pool = Pool2dShape{0, in.c, in.h, in.w, d.kernel[0], d.kernel[1], d.stride[0], d.stride[1], d.pad[0], d.pad[1], 0, 0};
  pool2d_output_size(L.pool);
  switch (d.kind) {
    case LayerKind::Tanh: L.act = Activation::Tanh; break;
    case LayerKind::Sigmoid: L.act = Activation::Sigmoid; break;
    case LayerKind::ScaledTanh: L.act = Activation::ScaledTanh; break;
    default: L.act = Activation::Relu; break;
  }
}

void layer_forward(LayerState& L, int n, const float* params, const float* x, float* workspace) {
  const LayerDesc& d = L.desc;
  switch (d.kind) {
    case LayerKind::Conv2d:
      conv2d_forward(conv_n(L, n), x, weight_of(d, params), bias_of(d, params), L.out.data(), workspace);
      return;
    case LayerKind::MaxPool: maxpool2d_forward(pool_n(L, n), x, L.out.data(), L.argmax.data()); return;
    case LayerKind::AvgPool: avgpool2d_forward(pool_n(L, n), x, L.out.data()); return;
    case LayerKind::Subsample: subsample_forward(L, n, params, x); return;
    case LayerKind::Dense:
      dense_forward(n, (int)d.in_shape.count(), d.out_shape.c, x, weight_of(d, params), bias_of(d, params), L.out.data());
      return;
    case LayerKind::Flatten: std::memcpy(L.out.data(), x, (size_t)n * d.in_shape.count() * sizeof(float)); return;
    case LayerKind::Relu: case LayerKind::Tanh: case LayerKind::Sigmoid: case LayerKind::ScaledTanh:
      activation_forward(L.act, (size_t)n * d.in_shape.count(), x, L.out.data());
      return;
  }  // no default: a new kind without a forward is a compiler warning
}

void layer_backward(LayerState& L, int n, const float* params, float* grads, const float* x, float* dx,
                    bool accumulate, float* workspace, float* scratch) {
  const LayerDesc& d = L.desc;
  size_t in_count = (size_t)n * d.in_shape.count();
  // Kinds without parameters have nothing to do when the input needs no gradient (dx null).
  switch (d.kind) {
    case LayerKind::Conv2d: conv_backward(L, n, params, grads, x, dx, accumulate, workspace); return;
    case LayerKind::Dense: dense_backward(L, n, params, grads, x, dx, accumulate); return;
    case LayerKind::Subsample: subsample_backward(L, n, params, grads, dx, accumulate, scratch); return;
    case LayerKind::MaxPool:
      if (dx) maxpool2d_backward(pool_n(L, n), L.dout.data(), L.argmax.data(), dx, accumulate);
      return;
    case LayerKind::AvgPool:
      if (dx) avgpool2d_backward(pool_n(L, n), L.dout.data(), dx, accumulate);
      return;
    case LayerKind::Flatten:
      if (dx) copy_or_add(in_count, L.dout.data(), dx, accumulate);
      return;
    case LayerKind::Relu: case LayerKind::Tanh: case LayerKind::Sigmoid: case LayerKind::ScaledTanh:
      if (dx) activation_backward(L.act, in_count, L.out.data(), L.dout.data(), dx, accumulate);
      return;
  }  // no default: a new kind without a backward is a compiler warning
}

}  // namespace cnn
