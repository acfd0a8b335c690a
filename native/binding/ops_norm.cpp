// Per-op exports of the model zoo's extra layers (src/native.ts, NativeOps): batch norm,
// dropout, element-wise add and local response normalisation. Like ops.cpp, each wrapper
// checks every argument (count, types, sizes, ranges, overlaps) before a kernel sees it;
// these kernels need no workspace, so nothing is allocated here.
#include <napi.h>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <string>
#include "binding/checks.h"
#include "binding/guarded.h"
#include "kernels/add.h"
#include "kernels/batchnorm.h"
#include "kernels/dropout.h"
#include "kernels/lrn.h"

namespace cnnbind {

namespace {

constexpr int64_t kMaxDim = 1 << 24;

// A buffer taking part in a call, for the overlap checks (bytes, so masks fit too).
struct Buf {
  const char* name;
  const void* p;
  size_t bytes;
};
Buf fbuf(const char* name, const float* p, size_t count) { return {name, p, count * sizeof(float)}; }

// Every output disjoint from every input and from every other output.
void require_outputs_disjoint(Napi::Env env, const char* fn, std::initializer_list<Buf> inputs,
                              std::initializer_list<Buf> outputs) {
  for (const Buf& out : outputs) {
    for (const Buf& in : inputs) require_disjoint_bytes(env, fn, out.name, out.p, out.bytes, in.name, in.p, in.bytes);
    for (const Buf& other : outputs)
      if (&other != &out) require_disjoint_bytes(env, fn, out.name, out.p, out.bytes, other.name, other.p, other.bytes);
  }
}

// A finite number in a range given by a predicate, with the rule in the message.
float number_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, const char* name, bool (*ok)(double),
                 const char* rule) {
  if (!info[i].IsNumber()) throw_type(info.Env(), fn, std::string(name) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || !ok(d)) throw_range(info.Env(), fn, std::string(name) + " must be " + rule + ", got " + std::to_string(d));
  return (float)d;
}

bool positive(double d) { return d > 0; }
bool unit_interval(double d) { return d >= 0 && d <= 1; }
bool probability_below_one(double d) { return d >= 0 && d < 1 && (float)d < 1.0f; }

struct NcsArgs {
  int n, c, s;
  size_t x;
};

NcsArgs ncs_arg(const Napi::CallbackInfo& info, const char* fn) {
  NcsArgs a{};
  a.n = int_arg(info, fn, 0, "n", 1, kMaxDim);
  a.c = int_arg(info, fn, 1, "c", 1, kMaxDim);
  a.s = int_arg(info, fn, 2, "s", 1, kMaxDim);
  a.x = element_count(info.Env(), fn, "x = n*c*s", {a.n, a.c, a.s});
  return a;
}

// ---- batch norm ----

// batchNormForward(n, c, s, x, gamma, beta, runningMean, runningVar, eps, momentum, training,
//                  y, saveMean | null, saveInvStd | null)
Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 14);
  NcsArgs a = ncs_arg(info, fn);
  size_t c = (size_t)a.c;
  const float* x = f32_sized_arg(info, fn, 3, "x", a.x, "n*c*s");
  const float* gamma = f32_sized_arg(info, fn, 4, "gamma", c, "c");
  const float* beta = f32_sized_arg(info, fn, 5, "beta", c, "c");
  float* running_mean = f32_sized_arg(info, fn, 6, "runningMean", c, "c");
  float* running_var = f32_sized_arg(info, fn, 7, "runningVar", c, "c");
  float eps = number_arg(info, fn, 8, "eps", positive, "> 0");
  float momentum = number_arg(info, fn, 9, "momentum", unit_interval, "in [0, 1]");
  bool training = bool_arg(info, fn, 10, "training");
  float* y = f32_sized_arg(info, fn, 11, "y", a.x, "n*c*s");
  float* save_mean = f32_sized_arg(info, fn, 12, "saveMean", c, "c", true);
  float* save_inv_std = f32_sized_arg(info, fn, 13, "saveInvStd", c, "c", true);
  if (training && (!save_mean || !save_inv_std))
    throw_type(env, fn, std::string(save_mean ? "saveInvStd" : "saveMean") + " must be a Float32Array in training");
  if (!training) {
    for (size_t k = 0; k < c; ++k)
      if (!(running_var[k] >= 0)) throw_range(env, fn, "runningVar[" + std::to_string(k) + "] must be >= 0");
    require_outputs_disjoint(env, fn, {fbuf("x", x, a.x), fbuf("gamma", gamma, c), fbuf("beta", beta, c),
                                       fbuf("runningMean", running_mean, c), fbuf("runningVar", running_var, c)},
                             {fbuf("y", y, a.x)});
    cnn::batchnorm_forward_eval(a.n, a.c, a.s, x, gamma, beta, running_mean, running_var, eps, y);
    return env.Undefined();
  }
  // In training the running statistics are outputs too (updated in place).
  require_outputs_disjoint(env, fn, {fbuf("x", x, a.x), fbuf("gamma", gamma, c), fbuf("beta", beta, c)},
                           {fbuf("y", y, a.x), fbuf("saveMean", save_mean, c), fbuf("saveInvStd", save_inv_std, c),
                            fbuf("runningMean", running_mean, c), fbuf("runningVar", running_var, c)});
  cnn::batchnorm_forward_train(a.n, a.c, a.s, x, gamma, beta, eps, momentum, y, save_mean, save_inv_std, running_mean,
                               running_var);
  return env.Undefined();
}

// batchNormBackward(n, c, s, x, gamma, saveMean, saveInvStd, dy, dx | null, dgamma, dbeta, accumulate)
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormBackward";
  Napi::Env env = info.Env();
  require_args(info, fn, 12);
  NcsArgs a = ncs_arg(info, fn);
  size_t c = (size_t)a.c;
  const float* x = f32_sized_arg(info, fn, 3, "x", a.x, "n*c*s");
  const float* gamma = f32_sized_arg(info, fn, 4, "gamma", c, "c");
  const float* save_mean = f32_sized_arg(info, fn, 5, "saveMean", c, "c");
  const float* save_inv_std = f32_sized_arg(info, fn, 6, "saveInvStd", c, "c");
  const float* dy = f32_sized_arg(info, fn, 7, "dy", a.x, "n*c*s");
  float* dx = f32_sized_arg(info, fn, 8, "dx", a.x, "n*c*s", true);
  float* dgamma = f32_sized_arg(info, fn, 9, "dgamma", c, "c");
  float* dbeta = f32_sized_arg(info, fn, 10, "dbeta", c, "c");
  bool accumulate = bool_arg(info, fn, 11, "accumulate");
  require_outputs_disjoint(env, fn, {fbuf("x", x, a.x), fbuf("gamma", gamma, c), fbuf("saveMean", save_mean, c),
                                     fbuf("saveInvStd", save_inv_std, c), fbuf("dy", dy, a.x)},
                           {fbuf("dx", dx, a.x), fbuf("dgamma", dgamma, c), fbuf("dbeta", dbeta, c)});
  cnn::batchnorm_backward(a.n, a.c, a.s, x, gamma, save_mean, save_inv_std, dy, dx, dgamma, dbeta, accumulate);
  return env.Undefined();
}

// ---- dropout ----

// dropoutForward(p, seed, stream, x, y, mask: Uint8Array)
Napi::Value DropoutForward(const Napi::CallbackInfo& info) {
  const char* fn = "dropoutForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 6);
  float p = number_arg(info, fn, 0, "p", probability_below_one, "in [0, 1)");
  uint32_t seed = uint32_value(env, fn, info[1], "seed");
  uint32_t stream = uint32_value(env, fn, info[2], "stream");
  Napi::Float32Array x = f32_any_arg(info, fn, 3, "x");
  size_t count = x.ElementLength();
  float* y = f32_sized_arg(info, fn, 4, "y", count, "x.length");
  uint8_t* mask = u8_arg(info, fn, 5, "mask", count);
  require_outputs_disjoint(env, fn, {fbuf("x", x.Data(), count)}, {fbuf("y", y, count), {"mask", mask, count}});
  cnn::dropout_forward(count, p, seed, stream, x.Data(), y, mask);
  return env.Undefined();
}

// dropoutBackward(p, mask: Uint8Array, dy, dx, accumulate)
Napi::Value DropoutBackward(const Napi::CallbackInfo& info) {
  const char* fn = "dropoutBackward";
  Napi::Env env = info.Env();
  require_args(info, fn, 5);
  float p = number_arg(info, fn, 0, "p", probability_below_one, "in [0, 1)");
  Napi::Float32Array dy = f32_any_arg(info, fn, 2, "dy");
  size_t count = dy.ElementLength();
  const uint8_t* mask = u8_arg(info, fn, 1, "mask", count);
  float* dx = f32_sized_arg(info, fn, 3, "dx", count, "dy.length");
  bool accumulate = bool_arg(info, fn, 4, "accumulate");
  require_outputs_disjoint(env, fn, {fbuf("dy", dy.Data(), count), {"mask", mask, count}}, {fbuf("dx", dx, count)});
  for (size_t k = 0; k < count; ++k)
    if (mask[k] > 1) throw_range(env, fn, "mask[" + std::to_string(k) + "] must be 0 or 1");
  cnn::dropout_backward(count, p, mask, dy.Data(), dx, accumulate);
  return env.Undefined();
}

// ---- element-wise add ----

// addForward(a, b, out)
Napi::Value AddForward(const Napi::CallbackInfo& info) {
  const char* fn = "addForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 3);
  Napi::Float32Array a = f32_any_arg(info, fn, 0, "a");
  size_t count = a.ElementLength();
  const float* b = f32_sized_arg(info, fn, 1, "b", count, "a.length");
  float* out = f32_sized_arg(info, fn, 2, "out", count, "a.length");
  require_outputs_disjoint(env, fn, {fbuf("a", a.Data(), count), fbuf("b", b, count)}, {fbuf("out", out, count)});
  cnn::elementwise_add_forward(count, a.Data(), b, out);
  return env.Undefined();
}

// addBackward(dout, da | null, accumulateA, db | null, accumulateB)
Napi::Value AddBackward(const Napi::CallbackInfo& info) {
  const char* fn = "addBackward";
  Napi::Env env = info.Env();
  require_args(info, fn, 5);
  Napi::Float32Array dout = f32_any_arg(info, fn, 0, "dout");
  size_t count = dout.ElementLength();
  float* da = f32_sized_arg(info, fn, 1, "da", count, "dout.length", true);
  bool accumulate_a = bool_arg(info, fn, 2, "accumulateA");
  float* db = f32_sized_arg(info, fn, 3, "db", count, "dout.length", true);
  bool accumulate_b = bool_arg(info, fn, 4, "accumulateB");
  require_outputs_disjoint(env, fn, {fbuf("dout", dout.Data(), count)}, {fbuf("da", da, count), fbuf("db", db, count)});
  cnn::elementwise_add_backward(count, dout.Data(), da, accumulate_a, db, accumulate_b);
  return env.Undefined();
}

// ---- local response normalisation ----

float lrn_number(Napi::Env env, const char* fn, Napi::Object o, const char* key, bool (*ok)(double), const char* rule) {
  Napi::Value v = o.Get(key);
  std::string name = std::string("lrn.") + key;
  if (!v.IsNumber()) throw_type(env, fn, name + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || !ok(d)) throw_range(env, fn, name + " must be " + rule + ", got " + std::to_string(d));
  return (float)d;
}

bool non_negative(double d) { return d >= 0; }

cnn::LrnParams lrn_arg(const Napi::CallbackInfo& info, const char* fn, size_t i) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, fn, i, "lrn");
  cnn::LrnParams p{};
  p.size = int_value(env, fn, o.Get("size"), "lrn.size", 1, kMaxDim);
  p.alpha = lrn_number(env, fn, o, "alpha", non_negative, ">= 0");
  p.beta = lrn_number(env, fn, o, "beta", non_negative, ">= 0");
  p.k = lrn_number(env, fn, o, "k", positive, "> 0");
  return p;
}

// lrnForward(n, c, s, lrn: { size, alpha, beta, k }, x, y, scale)
Napi::Value LrnForward(const Napi::CallbackInfo& info) {
  const char* fn = "lrnForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 7);
  NcsArgs a = ncs_arg(info, fn);
  cnn::LrnParams lrn = lrn_arg(info, fn, 3);
  const float* x = f32_sized_arg(info, fn, 4, "x", a.x, "n*c*s");
  float* y = f32_sized_arg(info, fn, 5, "y", a.x, "n*c*s");
  float* scale = f32_sized_arg(info, fn, 6, "scale", a.x, "n*c*s");
  require_outputs_disjoint(env, fn, {fbuf("x", x, a.x)}, {fbuf("y", y, a.x), fbuf("scale", scale, a.x)});
  cnn::lrn_forward(a.n, a.c, a.s, lrn, x, y, scale);
  return env.Undefined();
}

// lrnBackward(n, c, s, lrn, x, y, scale, dy, dx, accumulate)
Napi::Value LrnBackward(const Napi::CallbackInfo& info) {
  const char* fn = "lrnBackward";
  Napi::Env env = info.Env();
  require_args(info, fn, 10);
  NcsArgs a = ncs_arg(info, fn);
  cnn::LrnParams lrn = lrn_arg(info, fn, 3);
  const float* x = f32_sized_arg(info, fn, 4, "x", a.x, "n*c*s");
  const float* y = f32_sized_arg(info, fn, 5, "y", a.x, "n*c*s");
  const float* scale = f32_sized_arg(info, fn, 6, "scale", a.x, "n*c*s");
  const float* dy = f32_sized_arg(info, fn, 7, "dy", a.x, "n*c*s");
  float* dx = f32_sized_arg(info, fn, 8, "dx", a.x, "n*c*s");
  bool accumulate = bool_arg(info, fn, 9, "accumulate");
  require_outputs_disjoint(env, fn, {fbuf("x", x, a.x), fbuf("y", y, a.x), fbuf("scale", scale, a.x), fbuf("dy", dy, a.x)},
                           {fbuf("dx", dx, a.x)});
  for (size_t k = 0; k < a.x; ++k)
    if (!(scale[k] > 0)) throw_range(env, fn, "scale[" + std::to_string(k) + "] must be > 0 (the forward's saved scale)");
  cnn::lrn_backward(a.n, a.c, a.s, lrn, x, y, scale, dy, dx, accumulate);
  return env.Undefined();
}

// ---- registration ----


}  // namespace

void register_norm_ops(Napi::Env env, Napi::Object exports) {
  export_function<BatchNormForward>(env, exports, "batchNormForward");
  export_function<BatchNormBackward>(env, exports, "batchNormBackward");
  export_function<DropoutForward>(env, exports, "dropoutForward");
  export_function<DropoutBackward>(env, exports, "dropoutBackward");
  export_function<AddForward>(env, exports, "addForward");
  export_function<AddBackward>(env, exports, "addBackward");
  export_function<LrnForward>(env, exports, "lrnForward");
  export_function<LrnBackward>(env, exports, "lrnBackward");
}

}  // namespace cnnbind
