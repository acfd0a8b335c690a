// The per-op exports of the model zoo's extra layers (test/test-addon.ts, TestAddon): batch
// norm, dropout, element-wise add and local response normalisation, as argument tables
// (op_args.h) and kernel calls. Shapes are (n, c, s), s = H*W.
#include <napi.h>

#include <string>
#include <vector>

#include "kernels/add.h"
#include "kernels/batchnorm.h"
#include "kernels/dropout.h"
#include "kernels/lrn.h"
#include "test_addon/op_args.h"

namespace cnntest {

namespace {

// batchNormForward(n, c, s, x, gamma, beta, runningMean, runningVar, eps, momentum, training,
//                  y, saveMean | null, saveInvStd | null)
Napi::Value batch_norm_forward(const Args& a) {
  const int n = a.integer(0), c = a.integer(1), s = a.integer(2);
  float* running_mean = a.f32(6);
  float* running_var = a.f32(7);
  const float eps = a.number(8), momentum = a.number(9);
  if (!a.flag(10)) {
    for (int k = 0; k < c; ++k)
      if (!(running_var[k] >= 0)) a.fail_range("runningVar[" + std::to_string(k) + "] must be >= 0");
    cnn::batchnorm_forward_eval(n, c, s, a.f32(3), a.f32(4), a.f32(5), running_mean, running_var, eps, a.f32(11));
    return a.env().Undefined();
  }
  float* save_mean = a.f32(12);
  float* save_inv_std = a.f32(13);
  if (!save_mean || !save_inv_std)
    a.fail_type(std::string(save_mean ? "saveInvStd" : "saveMean") + " must be a Float32Array in training");
  cnn::batchnorm_forward_train(n, c, s, a.f32(3), a.f32(4), a.f32(5), eps, momentum, a.f32(11), save_mean, save_inv_std,
                               running_mean, running_var);
  return a.env().Undefined();
}

Napi::Value batch_norm_backward(const Args& a) {
  cnn::batchnorm_backward(a.integer(0), a.integer(1), a.integer(2), a.f32(3), a.f32(4), a.f32(5), a.f32(6), a.f32(7),
                          a.f32(8), a.f32(9), a.f32(10), a.flag(11));
  return a.env().Undefined();
}

Napi::Value dropout_forward(const Args& a) {
  cnn::dropout_forward(a.count(3), a.number(0), a.uint32(1), a.uint32(2), a.f32(3), a.f32(4), a.u8(5));
  return a.env().Undefined();
}

Napi::Value dropout_backward(const Args& a) {
  const uint8_t* mask = a.u8(1);
  for (size_t k = 0; k < a.count(1); ++k)
    if (mask[k] > 1) a.fail_range("mask[" + std::to_string(k) + "] must be 0 or 1");
  cnn::dropout_backward(a.count(2), a.number(0), mask, a.f32(2), a.f32(3), a.flag(4));
  return a.env().Undefined();
}

Napi::Value add_forward(const Args& a) {
  cnn::elementwise_add_forward(a.count(0), a.f32(0), a.f32(1), a.f32(2));
  return a.env().Undefined();
}

Napi::Value add_backward(const Args& a) {
  cnn::elementwise_add_backward(a.count(0), a.f32(0), a.f32(1), a.flag(2), a.f32(3), a.flag(4));
  return a.env().Undefined();
}

Napi::Value lrn_forward(const Args& a) {
  cnn::lrn_forward(a.integer(0), a.integer(1), a.integer(2), a.lrn(), a.f32(4), a.f32(5), a.f32(6));
  return a.env().Undefined();
}

Napi::Value lrn_backward(const Args& a) {
  const float* scale = a.f32(6);
  for (size_t k = 0; k < a.count(6); ++k)
    if (!(scale[k] > 0)) a.fail_range("scale[" + std::to_string(k) + "] must be > 0 (the forward's saved scale)");
  cnn::lrn_backward(a.integer(0), a.integer(1), a.integer(2), a.lrn(), a.f32(4), a.f32(5), scale, a.f32(7), a.f32(8),
                    a.flag(9));
  return a.env().Undefined();
}

const char* const kX = "n*c*s";

}  // namespace

const std::vector<OpSpec>& norm_ops() {
  static const std::vector<OpSpec> ops = {
      // In training the running statistics are updated in place, so they count as outputs.
      {"batchNormForward",
       {integer("n"), integer("c"), integer("s"), f32("x", kX), f32("gamma", "c"), f32("beta", "c"),
        f32_out("runningMean", "c"), f32_out("runningVar", "c"), number("eps", kPositive),
        number("momentum", kUnitInterval), boolean("training"), f32_out("y", kX), f32_out_or_null("saveMean", "c"),
        f32_out_or_null("saveInvStd", "c")},
       batch_norm_forward},
      {"batchNormBackward",
       {integer("n"), integer("c"), integer("s"), f32("x", kX), f32("gamma", "c"), f32("saveMean", "c"),
        f32("saveInvStd", "c"), f32("dy", kX), f32_out_or_null("dx", kX), f32_out("dgamma", "c"), f32_out("dbeta", "c"),
        boolean("accumulate")},
       batch_norm_backward},
      {"dropoutForward",
       {number("p", kBelowOne), uint32("seed"), uint32("stream"), f32("x", nullptr), f32_out("y", "x.length"),
        u8_out("mask", "x.length")},
       dropout_forward},
      {"dropoutBackward",
       {number("p", kBelowOne), u8("mask", "dy.length"), f32("dy", nullptr), f32_out("dx", "dy.length"),
        boolean("accumulate")},
       dropout_backward},
      {"addForward", {f32("a", nullptr), f32("b", "a.length"), f32_out("out", "a.length")}, add_forward},
      {"addBackward",
       {f32("dout", nullptr), f32_out_or_null("da", "dout.length"), boolean("accumulateA"),
        f32_out_or_null("db", "dout.length"), boolean("accumulateB")},
       add_backward},
      {"lrnForward",
       {integer("n"), integer("c"), integer("s"), lrn_params(), f32("x", kX), f32_out("y", kX), f32_out("scale", kX)},
       lrn_forward},
      {"lrnBackward",
       {integer("n"), integer("c"), integer("s"), lrn_params(), f32("x", kX), f32("y", kX), f32("scale", kX),
        f32("dy", kX), f32_out("dx", kX), boolean("accumulate")},
       lrn_backward},
  };
  return ops;
}

}  // namespace cnntest
