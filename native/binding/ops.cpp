// Per-op exports for tests and debugging (src/native.ts, NativeOps): synchronous wrappers
// that check every argument (count, types, shape ranges, buffer lengths, overlaps) before
// a kernel sees it, allocate the workspace a kernel needs, and turn any C++ failure into a
// JS error. The gemm engine's own exports live in ops_gemm.cpp.
#include <napi.h>
#include <cmath>
#include <cstdint>
#include <utility>
#include <new>
#include <string>
#include <vector>
#include "binding/checks.h"
#include "binding/guarded.h"
#include "kernels/activation.h"
#include "kernels/channel_affine.h"
#include "kernels/conv2d.h"
#include "kernels/dense.h"
#include "kernels/pool.h"
#include "kernels/adamw.h"
#include "kernels/sgd.h"
#include "kernels/softmax_xent.h"
#include "kernels/threads.h"

namespace cnnbind {

namespace {

// Largest single shape field: far beyond any real layer, small enough that sums and
// products of two fields never overflow.
constexpr int64_t kMaxDim = 1 << 24;

std::string str(int64_t v) { return std::to_string(v); }

int shape_field(Napi::Env env, const char* fn, Napi::Object shape, const char* key, int64_t lo) {
  return int_value(env, fn, shape.Get(key), (std::string("shape.") + key).c_str(), lo, kMaxDim);
}

// The kernel must fit inside the padded input, or the output would be empty.
void require_window_fits(Napi::Env env, const char* fn, const char* axis, const char* k_name, int k,
                         const char* in_name, int in, const char* pad_name, int pad) {
  if ((int64_t)k > (int64_t)in + 2 * (int64_t)pad)
    throw_range(env, fn, std::string("the output ") + axis + " would be empty: " + k_name + " = " + str(k) +
                             " exceeds the padded input " + in_name + " + 2*" + pad_name + " = " + str(in) + " + 2*" +
                             str(pad) + " = " + str((int64_t)in + 2 * (int64_t)pad));
}

// ---- shapes ----

struct ConvArgs {
  cnn::Conv2dShape s;
  size_t x, w, y, col;  // element counts
};

ConvArgs conv_shape_arg(const Napi::CallbackInfo& info, const char* fn, size_t i) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, fn, i, "shape");
  cnn::Conv2dShape s{};
  s.n = shape_field(env, fn, o, "n", 1);
  s.c = shape_field(env, fn, o, "c", 1);
  s.h = shape_field(env, fn, o, "h", 1);
  s.w = shape_field(env, fn, o, "w", 1);
  s.oc = shape_field(env, fn, o, "oc", 1);
  s.kh = shape_field(env, fn, o, "kh", 1);
  s.kw = shape_field(env, fn, o, "kw", 1);
  s.sh = shape_field(env, fn, o, "sh", 1);
  s.sw = shape_field(env, fn, o, "sw", 1);
  s.ph = shape_field(env, fn, o, "ph", 0);
  s.pw = shape_field(env, fn, o, "pw", 0);
  require_window_fits(env, fn, "height", "kh", s.kh, "h", s.h, "ph", s.ph);
  require_window_fits(env, fn, "width", "kw", s.kw, "w", s.w, "pw", s.pw);
  if (!cnn::conv2d_output_size(s)) throw_range(env, fn, "the output would be empty");
  ConvArgs a{s, 0, 0, 0, 0};
  a.x = element_count(env, fn, "x = n*c*h*w", {s.n, s.c, s.h, s.w});
  a.w = element_count(env, fn, "w = oc*c*kh*kw", {s.oc, s.c, s.kh, s.kw});
  a.y = element_count(env, fn, "y = n*oc*oh*ow", {s.n, s.oc, s.oh, s.ow});
  a.col = element_count(env, fn, "the column matrix c*kh*kw*oh*ow", {s.c, s.kh, s.kw, s.oh, s.ow});
  return a;
}

struct PoolArgs {
  cnn::Pool2dShape s;
  size_t x, y;
};

PoolArgs pool_shape_arg(const Napi::CallbackInfo& info, const char* fn, size_t i) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, fn, i, "shape");
  cnn::Pool2dShape s{};
  s.n = shape_field(env, fn, o, "n", 1);
  s.c = shape_field(env, fn, o, "c", 1);
  s.h = shape_field(env, fn, o, "h", 1);
  s.w = shape_field(env, fn, o, "w", 1);
  s.kh = shape_field(env, fn, o, "kh", 1);
  s.kw = shape_field(env, fn, o, "kw", 1);
  s.sh = shape_field(env, fn, o, "sh", 1);
  s.sw = shape_field(env, fn, o, "sw", 1);
  s.ph = shape_field(env, fn, o, "ph", 0);
  s.pw = shape_field(env, fn, o, "pw", 0);
  // As PyTorch: every window then holds at least one real cell.
  if (2 * s.ph > s.kh || 2 * s.pw > s.kw)
    throw_range(env, fn, "padding must be at most half the window: 2*ph = " + str(2 * s.ph) + " vs kh = " + str(s.kh) +
                             ", 2*pw = " + str(2 * s.pw) + " vs kw = " + str(s.kw));
  require_window_fits(env, fn, "height", "kh", s.kh, "h", s.h, "ph", s.ph);
  require_window_fits(env, fn, "width", "kw", s.kw, "w", s.w, "pw", s.pw);
  if (!cnn::pool2d_output_size(s)) throw_range(env, fn, "the output would be empty");
  PoolArgs a{s, 0, 0};
  a.x = element_count(env, fn, "x = n*c*h*w", {s.n, s.c, s.h, s.w});
  a.y = element_count(env, fn, "y = n*c*oh*ow", {s.n, s.c, s.oh, s.ow});
  return a;
}

cnn::Activation activation_arg(const Napi::CallbackInfo& info, const char* fn, size_t i) {
  std::string name = string_arg(info, fn, i, "kind");
  cnn::Activation a;
  if (!cnn::parse_activation(name.c_str(), &a))
    throw_range(info.Env(), fn, "kind must be one of relu, tanh, sigmoid, scaled-tanh; got \"" + name + "\"");
  return a;
}

// ---- convolution ----

// conv2dForward(shape, x, w, b | null, y)
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 5);
  ConvArgs a = conv_shape_arg(info, fn, 0);
  const float* x = f32_sized_arg(info, fn, 1, "x", a.x, "n*c*h*w");
  const float* w = f32_sized_arg(info, fn, 2, "w", a.w, "oc*c*kh*kw");
  const float* b = f32_sized_arg(info, fn, 3, "b", a.s.oc, "oc", true);
  float* y = f32_sized_arg(info, fn, 4, "y", a.y, "n*oc*oh*ow");
  require_disjoint(env, fn, "y", y, a.y, "x", x, a.x);
  require_disjoint(env, fn, "y", y, a.y, "w", w, a.w);
  require_disjoint(env, fn, "y", y, a.y, "b", b, a.s.oc);
  std::vector<float> workspace(cnn::conv2d_workspace_floats(a.s, cnn::num_threads()));
  cnn::conv2d_forward(a.s, x, w, b, y, workspace.data());
  return env.Undefined();
}

// conv2dBackwardData(shape, dy, w, dx, accumulate)
Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackwardData";
  Napi::Env env = info.Env();
  require_args(info, fn, 5);
  ConvArgs a = conv_shape_arg(info, fn, 0);
  const float* dy = f32_sized_arg(info, fn, 1, "dy", a.y, "n*oc*oh*ow");
  const float* w = f32_sized_arg(info, fn, 2, "w", a.w, "oc*c*kh*kw");
  float* dx = f32_sized_arg(info, fn, 3, "dx", a.x, "n*c*h*w");
  bool accumulate = bool_arg(info, fn, 4, "accumulate");
  require_disjoint(env, fn, "dx", dx, a.x, "dy", dy, a.y);
  require_disjoint(env, fn, "dx", dx, a.x, "w", w, a.w);
  std::vector<float> workspace(cnn::conv2d_workspace_floats(a.s, cnn::num_threads()));
  cnn::conv2d_backward_data(a.s, dy, w, dx, accumulate, workspace.data());
  return env.Undefined();
}

// conv2dBackwardWeights(shape, x, dy, dw, db | null): dw and db accumulate (+=)
Napi::Value Conv2dBackwardWeights(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackwardWeights";
  Napi::Env env = info.Env();
  require_args(info, fn, 5);
  ConvArgs a = conv_shape_arg(info, fn, 0);
  const float* x = f32_sized_arg(info, fn, 1, "x", a.x, "n*c*h*w");
  const float* dy = f32_sized_arg(info, fn, 2, "dy", a.y, "n*oc*oh*ow");
  float* dw = f32_sized_arg(info, fn, 3, "dw", a.w, "oc*c*kh*kw");
  float* db = f32_sized_arg(info, fn, 4, "db", a.s.oc, "oc", true);
  require_disjoint(env, fn, "dw", dw, a.w, "x", x, a.x);
  require_disjoint(env, fn, "dw", dw, a.w, "dy", dy, a.y);
  require_disjoint(env, fn, "db", db, a.s.oc, "x", x, a.x);
  require_disjoint(env, fn, "db", db, a.s.oc, "dy", dy, a.y);
  require_disjoint(env, fn, "db", db, a.s.oc, "dw", dw, a.w);
  std::vector<float> workspace(cnn::conv2d_workspace_floats(a.s, cnn::num_threads()));
  cnn::conv2d_backward_weights(a.s, x, dy, dw, db, workspace.data());
  return env.Undefined();
}

// ---- pooling ----

// maxPoolForward(shape, x, y, argmax)
Napi::Value MaxPoolForward(const Napi::CallbackInfo& info) {
  const char* fn = "maxPoolForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 4);
  PoolArgs a = pool_shape_arg(info, fn, 0);
  const float* x = f32_sized_arg(info, fn, 1, "x", a.x, "n*c*h*w");
  float* y = f32_sized_arg(info, fn, 2, "y", a.y, "n*c*oh*ow");
  int32_t* argmax = i32_arg(info, fn, 3, "argmax", a.y);
  require_disjoint(env, fn, "y", y, a.y, "x", x, a.x);
  require_disjoint_i32(env, fn, "argmax", argmax, a.y, "x", x, a.x);
  require_disjoint_i32(env, fn, "argmax", argmax, a.y, "y", y, a.y);
  cnn::maxpool2d_forward(a.s, x, y, argmax);
  return env.Undefined();
}

// maxPoolBackward(shape, dy, argmax, dx, accumulate)
Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info) {
  const char* fn = "maxPoolBackward";
  Napi::Env env = info.Env();
  require_args(info, fn, 5);
  PoolArgs a = pool_shape_arg(info, fn, 0);
  const float* dy = f32_sized_arg(info, fn, 1, "dy", a.y, "n*c*oh*ow");
  const int32_t* argmax = i32_arg(info, fn, 2, "argmax", a.y);
  float* dx = f32_sized_arg(info, fn, 3, "dx", a.x, "n*c*h*w");
  bool accumulate = bool_arg(info, fn, 4, "accumulate");
  require_disjoint(env, fn, "dx", dx, a.x, "dy", dy, a.y);
  require_disjoint_i32(env, fn, "argmax", argmax, a.y, "dx", dx, a.x);
  // The kernel scatters through argmax: an index outside the plane would write out of bounds.
  const int64_t plane = (int64_t)a.s.h * a.s.w;
  for (size_t i = 0; i < a.y; ++i)
    if (argmax[i] < 0 || argmax[i] >= plane)
      throw_range(env, fn, "argmax[" + str((int64_t)i) + "] = " + str(argmax[i]) + " is outside the input plane [0, h*w = " +
                               str(plane) + ")");
  cnn::maxpool2d_backward(a.s, dy, argmax, dx, accumulate);
  return env.Undefined();
}

// avgPoolForward(shape, x, y)
Napi::Value AvgPoolForward(const Napi::CallbackInfo& info) {
  const char* fn = "avgPoolForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 3);
  PoolArgs a = pool_shape_arg(info, fn, 0);
  const float* x = f32_sized_arg(info, fn, 1, "x", a.x, "n*c*h*w");
  float* y = f32_sized_arg(info, fn, 2, "y", a.y, "n*c*oh*ow");
  require_disjoint(env, fn, "y", y, a.y, "x", x, a.x);
  cnn::avgpool2d_forward(a.s, x, y);
  return env.Undefined();
}

// avgPoolBackward(shape, dy, dx, accumulate)
Napi::Value AvgPoolBackward(const Napi::CallbackInfo& info) {
  const char* fn = "avgPoolBackward";
  Napi::Env env = info.Env();
  require_args(info, fn, 4);
  PoolArgs a = pool_shape_arg(info, fn, 0);
  const float* dy = f32_sized_arg(info, fn, 1, "dy", a.y, "n*c*oh*ow");
  float* dx = f32_sized_arg(info, fn, 2, "dx", a.x, "n*c*h*w");
  bool accumulate = bool_arg(info, fn, 3, "accumulate");
  require_disjoint(env, fn, "dx", dx, a.x, "dy", dy, a.y);
  cnn::avgpool2d_backward(a.s, dy, dx, accumulate);
  return env.Undefined();
}

// ---- dense ----

struct DenseArgs {
  int n, in, out;
  size_t x, w, y;
};

DenseArgs dense_sizes_arg(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  DenseArgs a{};
  a.n = int_arg(info, fn, 0, "n", 1, kMaxDim);
  a.in = int_arg(info, fn, 1, "inFeatures", 1, kMaxDim);
  a.out = int_arg(info, fn, 2, "outFeatures", 1, kMaxDim);
  a.x = element_count(env, fn, "x = n*inFeatures", {a.n, a.in});
  a.w = element_count(env, fn, "w = outFeatures*inFeatures", {a.out, a.in});
  a.y = element_count(env, fn, "y = n*outFeatures", {a.n, a.out});
  return a;
}

// denseForward(n, inFeatures, outFeatures, x, w, b | null, y)
Napi::Value DenseForward(const Napi::CallbackInfo& info) {
  const char* fn = "denseForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 7);
  DenseArgs a = dense_sizes_arg(info, fn);
  const float* x = f32_sized_arg(info, fn, 3, "x", a.x, "n*inFeatures");
  const float* w = f32_sized_arg(info, fn, 4, "w", a.w, "outFeatures*inFeatures");
  const float* b = f32_sized_arg(info, fn, 5, "b", a.out, "outFeatures", true);
  float* y = f32_sized_arg(info, fn, 6, "y", a.y, "n*outFeatures");
  require_disjoint(env, fn, "y", y, a.y, "x", x, a.x);
  require_disjoint(env, fn, "y", y, a.y, "w", w, a.w);
  require_disjoint(env, fn, "y", y, a.y, "b", b, a.out);
  cnn::dense_forward(a.n, a.in, a.out, x, w, b, y);
  return env.Undefined();
}

// denseBackwardData(n, inFeatures, outFeatures, dy, w, dx, accumulate)
Napi::Value DenseBackwardData(const Napi::CallbackInfo& info) {
  const char* fn = "denseBackwardData";
  Napi::Env env = info.Env();
  require_args(info, fn, 7);
  DenseArgs a = dense_sizes_arg(info, fn);
  const float* dy = f32_sized_arg(info, fn, 3, "dy", a.y, "n*outFeatures");
  const float* w = f32_sized_arg(info, fn, 4, "w", a.w, "outFeatures*inFeatures");
  float* dx = f32_sized_arg(info, fn, 5, "dx", a.x, "n*inFeatures");
  bool accumulate = bool_arg(info, fn, 6, "accumulate");
  require_disjoint(env, fn, "dx", dx, a.x, "dy", dy, a.y);
  require_disjoint(env, fn, "dx", dx, a.x, "w", w, a.w);
  cnn::dense_backward_data(a.n, a.in, a.out, dy, w, dx, accumulate);
  return env.Undefined();
}

// denseBackwardWeights(n, inFeatures, outFeatures, x, dy, dw, db | null): dw and db accumulate (+=)
Napi::Value DenseBackwardWeights(const Napi::CallbackInfo& info) {
  const char* fn = "denseBackwardWeights";
  Napi::Env env = info.Env();
  require_args(info, fn, 7);
  DenseArgs a = dense_sizes_arg(info, fn);
  const float* x = f32_sized_arg(info, fn, 3, "x", a.x, "n*inFeatures");
  const float* dy = f32_sized_arg(info, fn, 4, "dy", a.y, "n*outFeatures");
  float* dw = f32_sized_arg(info, fn, 5, "dw", a.w, "outFeatures*inFeatures");
  float* db = f32_sized_arg(info, fn, 6, "db", a.out, "outFeatures", true);
  require_disjoint(env, fn, "dw", dw, a.w, "x", x, a.x);
  require_disjoint(env, fn, "dw", dw, a.w, "dy", dy, a.y);
  require_disjoint(env, fn, "db", db, a.out, "x", x, a.x);
  require_disjoint(env, fn, "db", db, a.out, "dy", dy, a.y);
  require_disjoint(env, fn, "db", db, a.out, "dw", dw, a.w);
  cnn::dense_backward_weights(a.n, a.in, a.out, x, dy, dw, db);
  return env.Undefined();
}

// ---- activations ----

// An output that is either exactly the input (in place, which element-wise ops allow) or
// shares no memory with it.
void require_same_or_disjoint(Napi::Env env, const char* fn, const char* out_name, const float* out,
                              const char* in_name, const float* in, size_t n) {
  if (out != in) require_disjoint(env, fn, out_name, out, n, in_name, in, n);
}

// activationForward(kind, x, y): y may be x itself
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  const char* fn = "activationForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 3);
  cnn::Activation kind = activation_arg(info, fn, 0);
  Napi::Float32Array x = f32_any_arg(info, fn, 1, "x");
  size_t count = x.ElementLength();
  float* y = f32_sized_arg(info, fn, 2, "y", count, "x.length");
  require_same_or_disjoint(env, fn, "y", y, "x", x.Data(), count);
  cnn::activation_forward(kind, count, x.Data(), y);
  return env.Undefined();
}

// activationBackward(kind, y, dy, dx, accumulate): dx may be dy itself unless accumulating
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  const char* fn = "activationBackward";
  Napi::Env env = info.Env();
  require_args(info, fn, 5);
  cnn::Activation kind = activation_arg(info, fn, 0);
  Napi::Float32Array y = f32_any_arg(info, fn, 1, "y");
  size_t count = y.ElementLength();
  const float* dy = f32_sized_arg(info, fn, 2, "dy", count, "y.length");
  float* dx = f32_sized_arg(info, fn, 3, "dx", count, "y.length");
  bool accumulate = bool_arg(info, fn, 4, "accumulate");
  require_disjoint(env, fn, "dx", dx, count, "y", y.Data(), count);
  if (accumulate) require_disjoint(env, fn, "dx (when accumulating)", dx, count, "dy", dy, count);
  else require_same_or_disjoint(env, fn, "dx", dx, "dy", dy, count);
  cnn::activation_backward(kind, count, y.Data(), dy, dx, accumulate);
  return env.Undefined();
}

// ---- channel affine ----

struct AffineArgs {
  int n, c, s;
  size_t x;
};

AffineArgs affine_sizes_arg(const Napi::CallbackInfo& info, const char* fn) {
  AffineArgs a{};
  a.n = int_arg(info, fn, 0, "n", 1, kMaxDim);
  a.c = int_arg(info, fn, 1, "c", 1, kMaxDim);
  a.s = int_arg(info, fn, 2, "s", 1, kMaxDim);
  a.x = element_count(info.Env(), fn, "x = n*c*s", {a.n, a.c, a.s});
  return a;
}

// channelAffineForward(n, c, s, x, scale, shift | null, y)
Napi::Value ChannelAffineForward(const Napi::CallbackInfo& info) {
  const char* fn = "channelAffineForward";
  Napi::Env env = info.Env();
  require_args(info, fn, 7);
  AffineArgs a = affine_sizes_arg(info, fn);
  const float* x = f32_sized_arg(info, fn, 3, "x", a.x, "n*c*s");
  const float* scale = f32_sized_arg(info, fn, 4, "scale", a.c, "c");
  const float* shift = f32_sized_arg(info, fn, 5, "shift", a.c, "c", true);
  float* y = f32_sized_arg(info, fn, 6, "y", a.x, "n*c*s");
  require_disjoint(env, fn, "y", y, a.x, "x", x, a.x);
  require_disjoint(env, fn, "y", y, a.x, "scale", scale, a.c);
  require_disjoint(env, fn, "y", y, a.x, "shift", shift, a.c);
  cnn::channel_affine_forward(a.n, a.c, a.s, x, scale, shift, y);
  return env.Undefined();
}

// channelAffineBackward(n, c, s, x, scale, dy, dx | null, dscale, dshift | null, accumulate)
Napi::Value ChannelAffineBackward(const Napi::CallbackInfo& info) {
  const char* fn = "channelAffineBackward";
  Napi::Env env = info.Env();
  require_args(info, fn, 10);
  AffineArgs a = affine_sizes_arg(info, fn);
  const float* x = f32_sized_arg(info, fn, 3, "x", a.x, "n*c*s");
  const float* scale = f32_sized_arg(info, fn, 4, "scale", a.c, "c");
  const float* dy = f32_sized_arg(info, fn, 5, "dy", a.x, "n*c*s");
  float* dx = f32_sized_arg(info, fn, 6, "dx", a.x, "n*c*s", true);
  float* dscale = f32_sized_arg(info, fn, 7, "dscale", a.c, "c");
  float* dshift = f32_sized_arg(info, fn, 8, "dshift", a.c, "c", true);
  bool accumulate = bool_arg(info, fn, 9, "accumulate");
  struct Named { const char* name; const float* p; size_t n; };
  const Named inputs[] = {{"x", x, a.x}, {"scale", scale, (size_t)a.c}, {"dy", dy, a.x}};
  const Named outputs[] = {{"dx", dx, a.x}, {"dscale", dscale, (size_t)a.c}, {"dshift", dshift, (size_t)a.c}};
  for (const Named& out : outputs) {
    for (const Named& in : inputs) require_disjoint(env, fn, out.name, out.p, out.n, in.name, in.p, in.n);
    for (const Named& other : outputs)
      if (&other != &out) require_disjoint(env, fn, out.name, out.p, out.n, other.name, other.p, other.n);
  }
  cnn::channel_affine_backward(a.n, a.c, a.s, x, scale, dy, dx, dscale, dshift, accumulate);
  return env.Undefined();
}

// ---- loss ----

// The options argument of lossWithOptions: { labelSmoothing?, classWeights? }.
cnn::LossOptions loss_options_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, int k) {
  cnn::LossOptions o;
  Napi::Env env = info.Env();
  if (!info[i].IsObject() || info[i].IsArray()) throw_type(env, fn, "options must be an object");
  Napi::Object obj = info[i].As<Napi::Object>();
  Napi::Value e = obj.Get("labelSmoothing");
  if (!e.IsUndefined()) {
    if (!e.IsNumber()) throw_type(env, fn, "options.labelSmoothing must be a number");
    o.label_smoothing = (float)e.As<Napi::Number>().DoubleValue();
    if (!(o.label_smoothing >= 0 && o.label_smoothing <= 1)) throw_range(env, fn, "options.labelSmoothing must be in [0, 1]");
  }
  Napi::Value w = obj.Get("classWeights");
  if (!w.IsUndefined()) {
    if (!w.IsTypedArray() || w.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw_type(env, fn, "options.classWeights must be a Float32Array");
    Napi::Float32Array a = w.As<Napi::Float32Array>();
    if (a.ElementLength() != (size_t)k) throw_range(env, fn, "options.classWeights must have k = " + str(k) + " values");
    for (size_t j = 0; j < a.ElementLength(); ++j)
      if (!(a[j] >= 0 && std::isfinite(a[j]))) throw_range(env, fn, "options.classWeights must be finite and >= 0");
    o.class_weights = a.Data();
  }
  return o;
}

// softmaxCrossEntropy(n, k, logits, labels, probs, dlogits | null) -> { lossSum, correct, weightSum }
// with_options: softmaxCrossEntropyWithOptions(..., options), the training loss's options.
Napi::Value softmax_cross_entropy_value(const Napi::CallbackInfo& info, const char* fn, bool with_options) {
  Napi::Env env = info.Env();
  require_args(info, fn, with_options ? 7 : 6);
  int n = int_arg(info, fn, 0, "n", 1, kMaxDim);
  int k = int_arg(info, fn, 1, "k", 1, kMaxDim);
  size_t nk = element_count(env, fn, "logits = n*k", {n, k});
  const float* logits = f32_sized_arg(info, fn, 2, "logits", nk, "n*k");
  const int32_t* labels = i32_arg(info, fn, 3, "labels", (size_t)n);
  float* probs = f32_sized_arg(info, fn, 4, "probs", nk, "n*k");
  float* dlogits = f32_sized_arg(info, fn, 5, "dlogits", nk, "n*k", true);
  require_disjoint(env, fn, "probs", probs, nk, "logits", logits, nk);
  require_disjoint_i32(env, fn, "labels", labels, n, "probs", probs, nk);
  require_disjoint(env, fn, "dlogits", dlogits, nk, "logits", logits, nk);
  require_disjoint(env, fn, "dlogits", dlogits, nk, "probs", probs, nk);
  if (dlogits) require_disjoint_i32(env, fn, "labels", labels, n, "dlogits", dlogits, nk);
  for (int i = 0; i < n; ++i)
    if (labels[i] < 0 || labels[i] >= k)
      throw_range(env, fn, "labels[" + str(i) + "] = " + str(labels[i]) + " is not a class in [0, k = " + str(k) + ")");
  cnn::LossOptions options = with_options ? loss_options_arg(info, fn, 6, k) : cnn::LossOptions();
  cnn::LossResult r = cnn::softmax_cross_entropy(n, k, logits, labels, probs, dlogits, options);
  Napi::Object result = Napi::Object::New(env);
  result.Set("lossSum", Napi::Number::New(env, r.loss_sum));
  result.Set("correct", Napi::Number::New(env, r.correct));
  result.Set("weightSum", Napi::Number::New(env, r.weight_sum));
  return result;
}

Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  return softmax_cross_entropy_value(info, "softmaxCrossEntropy", false);
}

Napi::Value SoftmaxCrossEntropyWithOptions(const Napi::CallbackInfo& info) {
  return softmax_cross_entropy_value(info, "softmaxCrossEntropyWithOptions", true);
}

// ---- optimiser ----

// sgdUpdate(params, grads, velocity, lr, momentum, weightDecay)
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  const char* fn = "sgdUpdate";
  Napi::Env env = info.Env();
  require_args(info, fn, 6);
  Napi::Float32Array params = f32_any_arg(info, fn, 0, "params");
  size_t count = params.ElementLength();
  const float* grads = f32_sized_arg(info, fn, 1, "grads", count, "params.length");
  float* velocity = f32_sized_arg(info, fn, 2, "velocity", count, "params.length");
  float lr = finite_arg(info, fn, 3, "lr");
  float momentum = finite_arg(info, fn, 4, "momentum");
  float weight_decay = finite_arg(info, fn, 5, "weightDecay");
  require_disjoint(env, fn, "params", params.Data(), count, "grads", grads, count);
  require_disjoint(env, fn, "params", params.Data(), count, "velocity", velocity, count);
  require_disjoint(env, fn, "velocity", velocity, count, "grads", grads, count);
  cnn::sgd_update(count, params.Data(), grads, velocity, lr, momentum, weight_decay);
  return env.Undefined();
}

// adamwUpdate(params, grads, expAvg, expAvgSq, { lr, beta1, beta2, eps, weightDecay, step })
Napi::Value AdamWUpdate(const Napi::CallbackInfo& info) {
  const char* fn = "adamwUpdate";
  Napi::Env env = info.Env();
  require_args(info, fn, 5);
  Napi::Float32Array params = f32_any_arg(info, fn, 0, "params");
  size_t count = params.ElementLength();
  const float* grads = f32_sized_arg(info, fn, 1, "grads", count, "params.length");
  float* m = f32_sized_arg(info, fn, 2, "expAvg", count, "params.length");
  float* v = f32_sized_arg(info, fn, 3, "expAvgSq", count, "params.length");
  Napi::Object o = object_arg(info, fn, 4, "settings");
  cnn::AdamWSettings s;
  auto number = [&](const char* key) {
    Napi::Value x = o.Get(key);
    if (!x.IsNumber()) throw_type(env, fn, std::string("settings.") + key + " must be a number");
    double d = x.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) throw_range(env, fn, std::string("settings.") + key + " must be finite");
    return d;
  };
  s.lr = (float)number("lr");
  s.beta1 = (float)number("beta1");
  s.beta2 = (float)number("beta2");
  s.eps = (float)number("eps");
  s.weight_decay = (float)number("weightDecay");
  double step = number("step");
  if (!(step >= 1 && std::floor(step) == step && step <= 9007199254740991.0))
    throw_range(env, fn, "settings.step must be an integer >= 1");
  s.step = (int64_t)step;
  const std::pair<const char*, const float*> arrays[] = {{"params", params.Data()}, {"grads", grads}, {"expAvg", m}, {"expAvgSq", v}};
  for (size_t a = 0; a < 4; ++a)
    for (size_t b = a + 1; b < 4; ++b) require_disjoint(env, fn, arrays[a].first, arrays[a].second, count, arrays[b].first, arrays[b].second, count);
  cnn::adamw_update(count, params.Data(), grads, m, v, s);
  return env.Undefined();
}

// ---- registration ----


}  // namespace

void register_ops(Napi::Env env, Napi::Object exports) {
  export_function<Conv2dForward>(env, exports, "conv2dForward");
  export_function<Conv2dBackwardData>(env, exports, "conv2dBackwardData");
  export_function<Conv2dBackwardWeights>(env, exports, "conv2dBackwardWeights");
  export_function<MaxPoolForward>(env, exports, "maxPoolForward");
  export_function<MaxPoolBackward>(env, exports, "maxPoolBackward");
  export_function<AvgPoolForward>(env, exports, "avgPoolForward");
  export_function<AvgPoolBackward>(env, exports, "avgPoolBackward");
  export_function<DenseForward>(env, exports, "denseForward");
  export_function<DenseBackwardData>(env, exports, "denseBackwardData");
  export_function<DenseBackwardWeights>(env, exports, "denseBackwardWeights");
  export_function<ActivationForward>(env, exports, "activationForward");
  export_function<ActivationBackward>(env, exports, "activationBackward");
  export_function<ChannelAffineForward>(env, exports, "channelAffineForward");
  export_function<ChannelAffineBackward>(env, exports, "channelAffineBackward");
  export_function<SoftmaxCrossEntropy>(env, exports, "softmaxCrossEntropy");
  export_function<SoftmaxCrossEntropyWithOptions>(env, exports, "softmaxCrossEntropyWithOptions");
  export_function<SgdUpdate>(env, exports, "sgdUpdate");
  export_function<AdamWUpdate>(env, exports, "adamwUpdate");
}

}  // namespace cnnbind
