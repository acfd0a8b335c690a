// The per-op exports of the core layers (test/test-addon.ts, TestAddon): convolution,
// pooling, dense, activations, channel affine, the loss and the SGD update. Each op is its
// argument table (op_args.h) and a few lines that call its kernel; checks the table cannot
// state (values inside buffers, combinations of arguments) are made here before the call.
#include <napi.h>

#include <string>
#include <vector>

#include "kernels/activation.h"
#include "kernels/adamw.h"
#include "kernels/channel_affine.h"
#include "kernels/conv2d.h"
#include "kernels/conv2d_algorithm.h"
#include "kernels/dense.h"
#include "kernels/pool.h"
#include "kernels/sgd.h"
#include "kernels/softmax_xent.h"
#include "kernels/threads.h"
#include "test_addon/op_args.h"

namespace cnntest {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

// The precision set by setOpPrecision (ops_engine.cpp), which the per-op convolutions read.
cnn::Precision op_precision() {
  cnn::Precision p = cnn::Precision::fp32;
  cnn::parse_precision(cnn::conv_precision(), &p);
  return p;
}

// The convolution's scratch space, sized for the current thread count. Its column matrices
// are indexed with int. It starts full of a value no kernel may count on: a network's
// workspace is shared by all its layers, so a kernel must write whatever it reads (a zero
// border it assumes, say), and a fresh zeroed buffer would hide the fault.
std::vector<float> conv_workspace(const Args& a) {
  a.elements("the column matrix", "c*kh*kw*oh*ow");
  constexpr float kLeftOver = 1234.5f;
  return std::vector<float>(cnn::conv2d_workspace_floats(a.conv(), cnn::num_threads()), kLeftOver);
}

Napi::Value conv2d_forward(const Args& a) {
  std::vector<float> workspace = conv_workspace(a);
  cnn::conv2d_forward(a.conv(), a.f32(1), a.f32(2), a.f32(3), a.f32(4), workspace.data());
  return a.env().Undefined();
}

Napi::Value conv2d_backward_data(const Args& a) {
  std::vector<float> workspace = conv_workspace(a);
  cnn::conv2d_backward_data(a.conv(), a.f32(1), a.f32(2), a.f32(3), a.flag(4), workspace.data());
  return a.env().Undefined();
}

Napi::Value conv2d_backward_weights(const Args& a) {
  std::vector<float> workspace = conv_workspace(a);
  cnn::conv2d_backward_weights(a.conv(), a.f32(1), a.f32(2), a.f32(3), a.f32(4), workspace.data());
  return a.env().Undefined();
}

Napi::Value conv2d_backward(const Args& a) {
  std::vector<float> workspace = conv_workspace(a);
  cnn::conv2d_backward(a.conv(), a.f32(1), a.f32(2), a.f32(3), a.f32(4), a.f32(5), a.f32(6), a.f32(7), a.f32(8),
                       a.flag(9), workspace.data());
  return a.env().Undefined();
}

Napi::Value max_pool_forward(const Args& a) {
  cnn::maxpool2d_forward(a.pool(), a.f32(1), a.f32(2), a.i32(3));
  return a.env().Undefined();
}

Napi::Value max_pool_backward(const Args& a) {
  // The kernel scatters through argmax: an index outside the plane would write out of bounds.
  const int64_t plane = (int64_t)a.pool().h * a.pool().w;
  const int32_t* argmax = a.i32(2);
  for (size_t i = 0; i < a.count(2); ++i)
    if (argmax[i] < 0 || argmax[i] >= plane)
      a.fail_range("argmax[" + str((int64_t)i) + "] = " + str(argmax[i]) +
                   " is outside the input plane [0, h*w = " + str(plane) + ")");
  cnn::maxpool2d_backward(a.pool(), a.f32(1), argmax, a.f32(3), a.flag(4));
  return a.env().Undefined();
}

Napi::Value avg_pool_forward(const Args& a) {
  cnn::avgpool2d_forward(a.pool(), a.f32(1), a.f32(2));
  return a.env().Undefined();
}

Napi::Value avg_pool_backward(const Args& a) {
  cnn::avgpool2d_backward(a.pool(), a.f32(1), a.f32(2), a.flag(3));
  return a.env().Undefined();
}

// Dense ops take (n, inFeatures, outFeatures) first.
Napi::Value dense_forward(const Args& a) {
  cnn::dense_forward(a.integer(0), a.integer(1), a.integer(2), a.f32(3), a.f32(4), a.f32(5), a.f32(6), op_precision());
  return a.env().Undefined();
}

Napi::Value dense_backward_data(const Args& a) {
  cnn::dense_backward_data(a.integer(0), a.integer(1), a.integer(2), a.f32(3), a.f32(4), a.f32(5), a.flag(6),
                           op_precision());
  return a.env().Undefined();
}

Napi::Value dense_backward_weights(const Args& a) {
  cnn::dense_backward_weights(a.integer(0), a.integer(1), a.integer(2), a.f32(3), a.f32(4), a.f32(5), a.f32(6),
                              op_precision());
  return a.env().Undefined();
}

Napi::Value activation_forward(const Args& a) {
  cnn::activation_forward(a.activation(0), a.count(1), a.f32(1), a.f32(2));
  return a.env().Undefined();
}

Napi::Value activation_backward(const Args& a) {
  // In place replaces dy with dx; accumulating into dy would read what it has just written.
  if (a.flag(4) && a.f32(3) == a.f32(2)) a.fail_range("dx (when accumulating) must not share memory with dy");
  cnn::activation_backward(a.activation(0), a.count(1), a.f32(1), a.f32(2), a.f32(3), a.flag(4));
  return a.env().Undefined();
}

Napi::Value channel_affine_forward(const Args& a) {
  cnn::channel_affine_forward(a.integer(0), a.integer(1), a.integer(2), a.f32(3), a.f32(4), a.f32(5), a.f32(6));
  return a.env().Undefined();
}

Napi::Value channel_affine_backward(const Args& a) {
  cnn::channel_affine_backward(a.integer(0), a.integer(1), a.integer(2), a.f32(3), a.f32(4), a.f32(5), a.f32(6),
                               a.f32(7), a.f32(8), a.flag(9));
  return a.env().Undefined();
}

// { lossSum, correct, weightSum }, with the training loss's options or without.
Napi::Value softmax_cross_entropy_with(const Args& a, const cnn::LossOptions& options) {
  const int n = a.integer(0), k = a.integer(1);
  const int32_t* labels = a.i32(3);
  for (int i = 0; i < n; ++i)
    if (labels[i] < 0 || labels[i] >= k)
      a.fail_range("labels[" + str(i) + "] = " + str(labels[i]) + " is not a class in [0, k = " + str(k) + ")");
  cnn::LossResult r = cnn::softmax_cross_entropy(n, k, a.f32(2), labels, a.f32(4), a.f32(5), options);
  Napi::Object result = Napi::Object::New(a.env());
  result.Set("lossSum", Napi::Number::New(a.env(), r.loss_sum));
  result.Set("correct", Napi::Number::New(a.env(), r.correct));
  result.Set("weightSum", Napi::Number::New(a.env(), r.weight_sum));
  return result;
}

Napi::Value softmax_cross_entropy(const Args& a) { return softmax_cross_entropy_with(a, cnn::LossOptions()); }

Napi::Value softmax_cross_entropy_with_options(const Args& a) { return softmax_cross_entropy_with(a, a.loss()); }

Napi::Value sgd_update(const Args& a) {
  cnn::sgd_update(a.count(0), a.f32(0), a.f32(1), a.f32(2), a.number(3), a.number(4), a.number(5));
  return a.env().Undefined();
}

Napi::Value adamw_update(const Args& a) {
  cnn::adamw_update(a.count(0), a.f32(0), a.f32(1), a.f32(2), a.f32(3), a.adamw());
  return a.env().Undefined();
}

const char* const kX = "n*c*h*w";
const char* const kW = "oc*c*kh*kw";
const char* const kConvY = "n*oc*oh*ow";
const char* const kPoolY = "n*c*oh*ow";

}  // namespace

const std::vector<OpSpec>& layer_ops() {
  static const std::vector<OpSpec> ops = {
      {"conv2dForward",
       {conv_shape(), f32("x", kX), f32("w", kW), f32_or_null("b", "oc"), f32_out("y", kConvY)},
       conv2d_forward},
      {"conv2dBackwardData",
       {conv_shape(), f32("dy", kConvY), f32("w", kW), f32_out("dx", kX), boolean("accumulate")},
       conv2d_backward_data},
      // dw and db accumulate (+=).
      {"conv2dBackwardWeights",
       {conv_shape(), f32("x", kX), f32("dy", kConvY), f32_out("dw", kW), f32_out_or_null("db", "oc")},
       conv2d_backward_weights},
      // The layer's whole backward (conv2d.h's conv2d_backward): dw and db accumulate (+=);
      // with reluY the mask applies to dy, into dyMasked unless the direct kernels run both ops.
      {"conv2dBackward",
       {conv_shape(), f32("x", kX), f32("dy", kConvY), f32_or_null("reluY", kConvY), f32_out("dyMasked", kConvY),
        f32("w", kW), f32_out("dw", kW), f32_out_or_null("db", "oc"), f32_out_or_null("dx", kX), boolean("accumulate")},
       conv2d_backward},
      {"maxPoolForward",
       {pool_shape(), f32("x", kX), f32_out("y", kPoolY), i32_out("argmax", kPoolY)},
       max_pool_forward},
      {"maxPoolBackward",
       {pool_shape(), f32("dy", kPoolY), i32("argmax", kPoolY), f32_out("dx", kX), boolean("accumulate")},
       max_pool_backward},
      {"avgPoolForward", {pool_shape(), f32("x", kX), f32_out("y", kPoolY)}, avg_pool_forward},
      {"avgPoolBackward",
       {pool_shape(), f32("dy", kPoolY), f32_out("dx", kX), boolean("accumulate")},
       avg_pool_backward},
      {"denseForward",
       {integer("n"), integer("inFeatures"), integer("outFeatures"), f32("x", "n*inFeatures"),
        f32("w", "outFeatures*inFeatures"), f32_or_null("b", "outFeatures"), f32_out("y", "n*outFeatures")},
       dense_forward},
      {"denseBackwardData",
       {integer("n"), integer("inFeatures"), integer("outFeatures"), f32("dy", "n*outFeatures"),
        f32("w", "outFeatures*inFeatures"), f32_out("dx", "n*inFeatures"), boolean("accumulate")},
       dense_backward_data},
      // dw and db accumulate (+=).
      {"denseBackwardWeights",
       {integer("n"), integer("inFeatures"), integer("outFeatures"), f32("x", "n*inFeatures"),
        f32("dy", "n*outFeatures"), f32_out("dw", "outFeatures*inFeatures"), f32_out_or_null("db", "outFeatures")},
       dense_backward_weights},
      {"activationForward",
       {activation_kind(), f32("x", nullptr), in_place_of("x", f32_out("y", "x.length"))},
       activation_forward},
      {"activationBackward",
       {activation_kind(), f32("y", nullptr), f32("dy", "y.length"), in_place_of("dy", f32_out("dx", "y.length")),
        boolean("accumulate")},
       activation_backward},
      {"channelAffineForward",
       {integer("n"), integer("c"), integer("s"), f32("x", "n*c*s"), f32("scale", "c"), f32_or_null("shift", "c"),
        f32_out("y", "n*c*s")},
       channel_affine_forward},
      {"channelAffineBackward",
       {integer("n"), integer("c"), integer("s"), f32("x", "n*c*s"), f32("scale", "c"), f32("dy", "n*c*s"),
        f32_out_or_null("dx", "n*c*s"), f32_out("dscale", "c"), f32_out_or_null("dshift", "c"), boolean("accumulate")},
       channel_affine_backward},
      {"softmaxCrossEntropy",
       {integer("n"), integer("k"), f32("logits", "n*k"), i32("labels", "n"), f32_out("probs", "n*k"),
        f32_out_or_null("dlogits", "n*k")},
       softmax_cross_entropy},
      {"softmaxCrossEntropyWithOptions",
       {integer("n"), integer("k"), f32("logits", "n*k"), i32("labels", "n"), f32_out("probs", "n*k"),
        f32_out_or_null("dlogits", "n*k"), loss_options()},
       softmax_cross_entropy_with_options},
      {"sgdUpdate",
       {f32_out("params", nullptr), f32("grads", "params.length"), f32_out("velocity", "params.length"),
        number("lr", kFinite), number("momentum", kFinite), number("weightDecay", kFinite)},
       sgd_update},
      // expAvg is AdamW's first moment m, expAvgSq its second moment v.
      {"adamwUpdate",
       {f32_out("params", nullptr), f32("grads", "params.length"), f32_out("expAvg", "params.length"),
        f32_out("expAvgSq", "params.length"), adamw_settings()},
       adamw_update},
  };
  return ops;
}

}  // namespace cnntest
