// Forward and backward of each layer kind, in terms of the kernels only. The layer's
// parameter tensors are views into the flat params/grads arrays at the layer's offsets.
// LeNet-5's subsampling is an average pool followed by a per-channel coefficient and bias
// (channel_affine), with the pooled intermediate kept for the coefficient's gradient.
// Batch norm and dropout are the kinds that behave differently in training and evaluation;
// 'add' is the only kind with two inputs.
#include <cstring>

#include "kernels/add.h"
#include "kernels/batchnorm.h"
#include "kernels/channel_affine.h"
#include "kernels/dense.h"
#include "kernels/dropout.h"
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

// Batch norm over (N, H, W) per channel: the plane size is H*W of the (unchanged) shape.
struct BnView {
  int c, s;
  float *running_mean, *running_var;
};
BnView bn_view(const LayerState& L, float* params) {
  const LayerDesc& d = L.desc;
  return BnView{d.in_shape.c, d.in_shape.h * d.in_shape.w, params + d.running_mean_offset, params + d.running_var_offset};
}

void batchnorm_layer_forward(LayerState& L, int n, float* params, const float* x, bool train) {
  const LayerDesc& d = L.desc;
  BnView v = bn_view(L, params);
  if (train)
    batchnorm_forward_train(n, v.c, v.s, x, weight_of(d, params), bias_of(d, params), d.eps, d.bn_momentum,
                            L.out.data(), L.bn_mean.data(), L.bn_inv_std.data(), v.running_mean, v.running_var,
                            L.bn_sync);
  else
    batchnorm_forward_eval(n, v.c, v.s, x, weight_of(d, params), bias_of(d, params), v.running_mean, v.running_var,
                           d.eps, L.out.data());
}

void batchnorm_layer_backward(LayerState& L, int n, const float* params, float* grads, const float* x, float* dx,
                              bool accumulate) {
  const LayerDesc& d = L.desc;
  int c = d.in_shape.c, s = d.in_shape.h * d.in_shape.w;
  batchnorm_backward(n, c, s, x, weight_of(d, params), L.bn_mean.data(), L.bn_inv_std.data(), L.dout.data(), dx,
                     weight_of(d, grads), bias_of(d, grads), accumulate, L.bn_sync);
}

void dropout_layer_forward(LayerState& L, int n, const float* x, bool train, uint32_t seed) {
  size_t count = (size_t)n * L.desc.in_shape.count();
  if (train) dropout_forward(count, L.desc.p, seed, L.index, x, L.out.data(), L.drop_mask.data());
  else std::memcpy(L.out.data(), x, count * sizeof(float));  // inverted dropout: identity in evaluation
}

void lrn_layer_forward(LayerState& L, int n, const float* x) {
  const Shape3& in = L.desc.in_shape;
  lrn_forward(n, in.c, in.h * in.w, L.desc.lrn, x, L.out.data(), L.lrn_scale.data());
}

void lrn_layer_backward(LayerState& L, int n, const float* x, float* dx, bool accumulate) {
  const Shape3& in = L.desc.in_shape;
  lrn_backward(n, in.c, in.h * in.w, L.desc.lrn, x, L.out.data(), L.lrn_scale.data(), L.dout.data(), dx, accumulate);
}

}  // namespace

void fused_relu_forward(LayerState& producer, LayerState& relu, int n, float* params, const LayerIO& io,
                        float* workspace) {
  const LayerDesc& d = producer.desc;
  if (d.kind == LayerKind::Conv2d) {
    conv2d_forward_relu(conv_n(producer, n), io.x[0], weight_of(d, params), bias_of(d, params), relu.out.data(),
                        workspace);
    return;
  }
  if (d.kind == LayerKind::Add) {
    elementwise_add_relu_forward((size_t)n * d.in_shape.count(), io.x[0], io.x[1], relu.out.data());
    return;
  }
  BnView v = bn_view(producer, params);  // plan_fusion fuses only batchnorm, add and conv2d
  batchnorm_relu_forward_train(n, v.c, v.s, io.x[0], weight_of(d, params), bias_of(d, params), d.eps, d.bn_momentum,
                               relu.out.data(), producer.bn_mean.data(), producer.bn_inv_std.data(), v.running_mean,
                               v.running_var, producer.bn_sync);
}

void fused_relu_backward(LayerState& producer, LayerState& relu, int n, const float* params, float* grads,
                         const LayerIO& io, float* workspace) {
  const LayerDesc& d = producer.desc;
  if (d.kind == LayerKind::Conv2d) {
    activation_backward(Activation::Relu, (size_t)n * d.out_shape.count(), relu.out.data(), relu.dout.data(),
                        producer.dout.data(), false);
    conv_backward(producer, n, params, grads, io.x[0], io.dx[0], io.accumulate[0], workspace);
    return;
  }
  if (d.kind == LayerKind::Add) {
    elementwise_add_relu_backward((size_t)n * d.in_shape.count(), relu.out.data(), relu.dout.data(), io.dx[0],
                                  io.accumulate[0], io.dx[1], io.accumulate[1]);
    return;
  }
  int c = d.in_shape.c, s = d.in_shape.h * d.in_shape.w;
  batchnorm_relu_backward(n, c, s, io.x[0], weight_of(d, params), bias_of(d, params), producer.bn_mean.data(),
                          producer.bn_inv_std.data(), relu.dout.data(), io.dx[0], weight_of(d, grads),
                          bias_of(d, grads), io.accumulate[0], producer.bn_sync);
}

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

void layer_forward(LayerState& L, int n, float* params, const LayerIO& io, float* workspace, bool train,
                   uint32_t seed) {
  const LayerDesc& d = L.desc;
  const float* x = io.x[0];
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
    case LayerKind::BatchNorm: batchnorm_layer_forward(L, n, params, x, train); return;
    case LayerKind::Dropout: dropout_layer_forward(L, n, x, train, seed); return;
    case LayerKind::Add: elementwise_add_forward((size_t)n * d.in_shape.count(), x, io.x[1], L.out.data()); return;
    case LayerKind::Lrn: lrn_layer_forward(L, n, x); return;
  }  // no default: a new kind without a forward is a compiler warning
}

void layer_backward(LayerState& L, int n, const float* params, float* grads, const LayerIO& io, float* workspace,
                    float* scratch) {
  const LayerDesc& d = L.desc;
  const float* x = io.x[0];
  float* dx = io.dx[0];
  const bool accumulate = io.accumulate[0];
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
    case LayerKind::BatchNorm: batchnorm_layer_backward(L, n, params, grads, x, dx, accumulate); return;
    case LayerKind::Dropout:
      if (dx) dropout_backward(in_count, d.p, L.drop_mask.data(), L.dout.data(), dx, accumulate);
      return;
    case LayerKind::Add:
      elementwise_add_backward(in_count, L.dout.data(), io.dx[0], io.accumulate[0], io.dx[1], io.accumulate[1]);
      return;
    case LayerKind::Lrn:
      if (dx) lrn_layer_backward(L, n, x, dx, accumulate);
      return;
  }  // no default: a new kind without a backward is a compiler warning
}

}  // namespace cnn
