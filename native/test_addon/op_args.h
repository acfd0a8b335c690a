// Table-driven argument checks for the test addon's per-op functions. Each op declares its
// arguments in order (name, type and, for a buffer, its element count as a product of named
// dimensions such as "n*c*h*w"); one checker validates a call against that table before the
// op runs, so a bad call never reaches a kernel and every op words its errors alike:
// "<op>: <argument> ..." as a TypeError (wrong count or type) or a RangeError (wrong value,
// length or overlap). Dimensions come from integer arguments (named as the argument), from a
// shape object (its fields, plus oh and ow) or from a buffer of free length ("x.length").
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/activation.h"
#include "kernels/adamw.h"
#include "kernels/conv2d.h"
#include "kernels/lrn.h"
#include "kernels/pool.h"
#include "kernels/softmax_xent.h"

namespace cnntest {

// Largest integer size argument or shape field: far beyond any real layer, small enough that
// sums and products of two never overflow.
constexpr int64_t kMaxDim = 1 << 24;
// Largest element count of any buffer: the kernels use int sizes and int32 argmax indices.
constexpr int64_t kMaxElements = INT32_MAX;

enum class ArgType {
  F32,
  I32,
  U8,  // typed-array buffers
  Int,
  UInt32,
  Number,
  Bool,
  String,
  Activation,  // "relu" | "tanh" | "sigmoid" | "scaled-tanh"
  ConvShape,
  PoolShape,
  Lrn,  // objects
  LossOptions,
  AdamW,
};

// The values a number argument accepts, and how a message states the rule.
struct NumberRule {
  bool (*accepts)(double);
  const char* text;
};
extern const NumberRule kFinite, kPositive, kNonNegative, kUnitInterval, kBelowOne, kUpToAMinute;

struct ArgSpec {
  const char* name;
  ArgType type;
  // Buffers: the element count as a product of dimensions ("n*c*h*w", "oc"), or nullptr for
  // any non-empty length, which then defines the dimension "<name>.length".
  const char* extent = nullptr;
  bool nullable = false;         // buffers: null or undefined allowed
  bool output = false;           // buffers the op writes: they share no memory with any other buffer ...
  const char* may_be = nullptr;  // ... except that they may be exactly this one (in place)
  int64_t lo = 0, hi = 0;        // Int: the accepted range
  NumberRule rule{};             // Number
};

// The table's vocabulary, one maker per kind of argument.
inline ArgSpec f32(const char* name, const char* extent) { return {name, ArgType::F32, extent}; }
inline ArgSpec f32_or_null(const char* name, const char* extent) { return {name, ArgType::F32, extent, true}; }
inline ArgSpec f32_out(const char* name, const char* extent) { return {name, ArgType::F32, extent, false, true}; }
inline ArgSpec f32_out_or_null(const char* name, const char* extent) {
  return {name, ArgType::F32, extent, true, true};
}
inline ArgSpec i32(const char* name, const char* extent) { return {name, ArgType::I32, extent}; }
inline ArgSpec i32_out(const char* name, const char* extent) { return {name, ArgType::I32, extent, false, true}; }
inline ArgSpec u8(const char* name, const char* extent) { return {name, ArgType::U8, extent}; }
inline ArgSpec u8_out(const char* name, const char* extent) { return {name, ArgType::U8, extent, false, true}; }
// An output that may also be exactly the buffer `input` (element-wise ops run in place).
inline ArgSpec in_place_of(const char* input, ArgSpec out) {
  out.may_be = input;
  return out;
}
// An integer in [lo, hi]; it defines the dimension of its own name.
inline ArgSpec integer(const char* name, int64_t lo = 1, int64_t hi = kMaxDim) {
  ArgSpec a{name, ArgType::Int};
  a.lo = lo;
  a.hi = hi;
  return a;
}
inline ArgSpec uint32(const char* name) { return {name, ArgType::UInt32}; }
inline ArgSpec number(const char* name, const NumberRule& rule) {
  ArgSpec a{name, ArgType::Number};
  a.rule = rule;
  return a;
}
inline ArgSpec boolean(const char* name) { return {name, ArgType::Bool}; }
inline ArgSpec string(const char* name) { return {name, ArgType::String}; }
inline ArgSpec activation_kind() { return {"kind", ArgType::Activation}; }
// { n, c, h, w, oc, kh, kw, sh, sw, ph, pw }: defines those dimensions and oh, ow.
inline ArgSpec conv_shape() { return {"shape", ArgType::ConvShape}; }
// { n, c, h, w, kh, kw, sh, sw, ph, pw }: defines those dimensions and oh, ow.
inline ArgSpec pool_shape() { return {"shape", ArgType::PoolShape}; }
// { size, alpha, beta, k }
inline ArgSpec lrn_params() { return {"lrn", ArgType::Lrn}; }
// { labelSmoothing?, classWeights? }: classWeights has one weight per class, k of them.
inline ArgSpec loss_options() { return {"options", ArgType::LossOptions}; }
// { lr, beta1, beta2, eps, weightDecay, step }
inline ArgSpec adamw_settings() { return {"settings", ArgType::AdamW}; }

// A call's arguments after the checks, by position.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), op_(op) {}

  Napi::Env env() const { return info_.Env(); }
  float* f32(size_t i) const { return static_cast<float*>(values_[i].data); }
  int32_t* i32(size_t i) const { return static_cast<int32_t*>(values_[i].data); }
  uint8_t* u8(size_t i) const { return static_cast<uint8_t*>(values_[i].data); }
  size_t count(size_t i) const { return values_[i].count; }  // a buffer's elements
  int integer(size_t i) const { return (int)values_[i].number; }
  uint32_t uint32(size_t i) const { return (uint32_t)values_[i].number; }
  float number(size_t i) const { return (float)values_[i].number; }
  bool flag(size_t i) const { return values_[i].flag; }
  const std::string& text(size_t i) const { return values_[i].text; }
  cnn::Activation activation(size_t i) const { return values_[i].activation; }
  const cnn::Conv2dShape& conv() const { return conv_; }
  const cnn::Pool2dShape& pool() const { return pool_; }
  const cnn::LrnParams& lrn() const { return lrn_; }
  const cnn::LossOptions& loss() const { return loss_; }
  const cnn::AdamWSettings& adamw() const { return adamw_; }

  // For the checks an op makes itself (values inside buffers, combinations of arguments).
  [[noreturn]] void fail_range(const std::string& message) const;
  [[noreturn]] void fail_type(const std::string& message) const;
  // The product of an extent's dimensions ("c*kh*kw*oh*ow"), or a RangeError naming `what`
  // when it exceeds kMaxElements.
  int64_t elements(const char* what, const char* extent) const;

 private:
  friend Args check_args(const Napi::CallbackInfo& info, const char* op, const std::vector<ArgSpec>& specs);
  struct Value {
    void* data = nullptr;
    size_t count = 0;
    size_t bytes = 0;
    double number = 0;
    bool flag = false;
    std::string text;
    cnn::Activation activation = cnn::Activation::Relu;
  };
  const Napi::CallbackInfo& info_;
  const char* op_;
  std::vector<Value> values_;
  std::vector<std::pair<std::string, int64_t>> dims_;
  cnn::Conv2dShape conv_{};
  cnn::Pool2dShape pool_{};
  cnn::LrnParams lrn_{};
  cnn::LossOptions loss_{};
  cnn::AdamWSettings adamw_{};

  void define(const std::string& dim, int64_t value) { dims_.emplace_back(dim, value); }
  void check_scalar(size_t i, const ArgSpec& spec);
  void check_buffer(size_t i, const ArgSpec& spec);
  void check_overlaps(const std::vector<ArgSpec>& specs) const;
  void parse_conv_shape(Napi::Value v);
  void parse_pool_shape(Napi::Value v);
  void parse_lrn(Napi::Value v);
  void parse_loss_options(Napi::Value v);
  void parse_adamw(Napi::Value v);
};

// Checks a call against its table: the argument count, then every argument that is not a
// sized buffer (so every dimension is known), then that every sized buffer's element count
// fits, then the sized buffers' types and lengths, then the overlaps.
Args check_args(const Napi::CallbackInfo& info, const char* op, const std::vector<ArgSpec>& specs);

// One per-op export: its table and what it does with the checked arguments.
struct OpSpec {
  const char* name;
  std::vector<ArgSpec> args;
  Napi::Value (*run)(const Args& a);
};

// Exports each op as a function that checks its arguments, runs it, and turns any C++
// failure (allocation included) into a JS error instead of a crash.
void export_ops(Napi::Env env, Napi::Object exports, const std::vector<OpSpec>& ops);

}  // namespace cnntest
