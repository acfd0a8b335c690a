// The one checker behind every per-op export (op_args.h).
#include "test_addon/op_args.h"

#include <cmath>
#include <exception>
#include <new>

#include "binding/checks.h"

namespace cnntest {

using cnnbind::throw_range;
using cnnbind::throw_type;

const NumberRule kFinite{[](double) { return true; }, "finite"};
const NumberRule kPositive{[](double d) { return d > 0; }, "> 0"};
const NumberRule kNonNegative{[](double d) { return d >= 0; }, ">= 0"};
const NumberRule kUnitInterval{[](double d) { return d >= 0 && d <= 1; }, "in [0, 1]"};
// Also below 1 once rounded to float, where the kernels compute 1 / (1 - p).
const NumberRule kBelowOne{[](double d) { return d >= 0 && d < 1 && (float)d < 1.0f; }, "in [0, 1)"};
const NumberRule kUpToAMinute{[](double d) { return d > 0 && d <= 60; }, "in (0, 60]"};

namespace {

std::string str(int64_t v) { return std::to_string(v); }

double number_value(Napi::Env env, const char* op, Napi::Value v, const std::string& name, const NumberRule& rule) {
  if (!v.IsNumber()) throw_type(env, op, name + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || !rule.accepts(d))
    throw_range(env, op, name + " must be " + rule.text + ", got " + std::to_string(d));
  return d;
}

Napi::Object object_value(Napi::Env env, const char* op, Napi::Value v, const char* name) {
  if (!v.IsObject() || v.IsTypedArray() || v.IsArray()) throw_type(env, op, std::string(name) + " must be an object");
  return v.As<Napi::Object>();
}

// The window must fit inside the padded input, or the output would be empty.
void require_window_fits(Napi::Env env, const char* op, const char* axis, const char* k_name, int k,
                         const char* in_name, int in, const char* pad_name, int pad) {
  const int64_t padded = (int64_t)in + 2 * (int64_t)pad;
  if ((int64_t)k > padded)
    throw_range(env, op,
                std::string("the output ") + axis + " would be empty: " + k_name + " = " + str(k) +
                    " exceeds the padded input " + in_name + " + 2*" + pad_name + " = " + str(in) + " + 2*" + str(pad) +
                    " = " + str(padded));
}

struct TypedArrayKind {
  napi_typedarray_type type;
  size_t bytes;
  const char* text;
};

TypedArrayKind typed_array_kind(ArgType t) {
  switch (t) {
    case ArgType::I32: return {napi_int32_array, 4, "an Int32Array"};
    case ArgType::U8: return {napi_uint8_array, 1, "a Uint8Array"};
    default: return {napi_float32_array, 4, "a Float32Array"};
  }
}

bool is_buffer(ArgType t) { return t == ArgType::F32 || t == ArgType::I32 || t == ArgType::U8; }

}  // namespace

void Args::fail_range(const std::string& message) const { throw_range(env(), op_, message); }
void Args::fail_type(const std::string& message) const { throw_type(env(), op_, message); }

// Each dimension is at most 2^31, so every step of the product fits in 64 bits.
int64_t Args::elements(const char* what, const char* extent) const {
  int64_t n = 1;
  std::string rest = extent;
  for (size_t start = 0; start <= rest.size();) {
    size_t end = rest.find('*', start);
    if (end == std::string::npos) end = rest.size();
    const std::string dim = rest.substr(start, end - start);
    const std::pair<std::string, int64_t>* found = nullptr;
    for (const auto& d : dims_)
      if (d.first == dim) found = &d;
    if (!found) throw Napi::Error::New(env(), std::string(op_) + ": the table names an unknown dimension " + dim);
    n *= found->second;
    if (n > kMaxElements)
      throw_range(env(), op_,
                  std::string(what) + " = " + extent + " would have more than " + str(kMaxElements) + " elements");
    start = end + 1;
  }
  return n;
}

void Args::check_scalar(size_t i, const ArgSpec& spec) {
  Napi::Env e = env();
  Napi::Value v = info_[i];
  Value& out = values_[i];
  switch (spec.type) {
    case ArgType::Int:
      out.number = cnnbind::int_value(e, op_, v, spec.name, spec.lo, spec.hi);
      define(spec.name, (int64_t)out.number);
      break;
    case ArgType::UInt32: out.number = cnnbind::uint32_value(e, op_, v, spec.name); break;
    case ArgType::Number: out.number = number_value(e, op_, v, spec.name, spec.rule); break;
    case ArgType::Bool:
      if (!v.IsBoolean()) throw_type(e, op_, std::string(spec.name) + " must be a boolean");
      out.flag = v.As<Napi::Boolean>().Value();
      break;
    case ArgType::String:
      if (!v.IsString()) throw_type(e, op_, std::string(spec.name) + " must be a string");
      out.text = v.As<Napi::String>().Utf8Value();
      break;
    case ArgType::Activation:
      if (!v.IsString()) throw_type(e, op_, std::string(spec.name) + " must be a string");
      out.text = v.As<Napi::String>().Utf8Value();
      if (!cnn::parse_activation(out.text.c_str(), &out.activation))
        throw_range(
            e, op_,
            std::string(spec.name) + " must be one of relu, tanh, sigmoid, scaled-tanh; got \"" + out.text + "\"");
      break;
    case ArgType::ConvShape: parse_conv_shape(v); break;
    case ArgType::PoolShape: parse_pool_shape(v); break;
    case ArgType::Lrn: parse_lrn(v); break;
    case ArgType::LossOptions: parse_loss_options(v); break;
    case ArgType::AdamW: parse_adamw(v); break;
    default: break;
  }
}

void Args::check_buffer(size_t i, const ArgSpec& spec) {
  Napi::Value v = info_[i];
  const TypedArrayKind kind = typed_array_kind(spec.type);
  if (spec.nullable && (v.IsNull() || v.IsUndefined())) return;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kind.type)
    fail_type(std::string(spec.name) + " must be " + kind.text + (spec.nullable ? " or null" : ""));
  Napi::TypedArray array = v.As<Napi::TypedArray>();
  const size_t length = array.ElementLength();
  if (spec.extent) {
    const int64_t expected = elements(spec.name, spec.extent);
    if ((int64_t)length != expected)
      fail_range(std::string(spec.name) + " has " + str((int64_t)length) + " elements, expected " + spec.extent +
                 " = " + str(expected));
  } else {
    if (length == 0) fail_range(std::string(spec.name) + " must not be empty");
    if (length > (size_t)kMaxElements)
      fail_range(std::string(spec.name) + " has more than " + str(kMaxElements) + " elements");
    define(std::string(spec.name) + ".length", (int64_t)length);
  }
  Value& out = values_[i];
  out.data = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  out.count = length;
  out.bytes = length * kind.bytes;
}

// Every output against every other buffer, by byte ranges: an output that overlaps another
// buffer would be overwritten while that one is read (or written) too.
void Args::check_overlaps(const std::vector<ArgSpec>& specs) const {
  for (size_t i = 0; i < specs.size(); ++i) {
    const Value& out = values_[i];
    if (!specs[i].output || out.bytes == 0) continue;
    for (size_t j = 0; j < specs.size(); ++j) {
      const Value& other = values_[j];
      if (j == i || !is_buffer(specs[j].type) || other.bytes == 0) continue;
      const bool in_place = specs[i].may_be && std::string(specs[i].may_be) == specs[j].name && out.data == other.data;
      auto a0 = reinterpret_cast<uintptr_t>(out.data), b0 = reinterpret_cast<uintptr_t>(other.data);
      if (!in_place && a0 < b0 + other.bytes && b0 < a0 + out.bytes)
        fail_range(std::string(specs[i].name) + " must not share memory with " + specs[j].name);
    }
  }
}

// The fields of a shape object, in the order they are checked, with their lower bounds.
template <typename Shape>
struct ShapeField {
  const char* name;
  int Shape::*field;
  int64_t lo;
};

// Both windows fit inside the padded input and the output (oh, ow, filled in) is not empty.
template <typename Shape>
void require_output(Napi::Env env, const char* op, Shape& s, bool (*output_size)(Shape&)) {
  require_window_fits(env, op, "height", "kh", s.kh, "h", s.h, "ph", s.ph);
  require_window_fits(env, op, "width", "kw", s.kw, "w", s.w, "pw", s.pw);
  if (!output_size(s)) throw_range(env, op, "the output would be empty");
}

template <typename Shape, size_t N>
Shape parse_shape_fields(Napi::Env env, const char* op, Napi::Object o, const ShapeField<Shape> (&fields)[N],
                         std::vector<std::pair<std::string, int64_t>>& dims) {
  Shape s{};
  for (const auto& f : fields) {
    s.*f.field = cnnbind::int_value(env, op, o.Get(f.name), (std::string("shape.") + f.name).c_str(), f.lo, kMaxDim);
    dims.emplace_back(f.name, s.*f.field);
  }
  return s;
}

void Args::parse_conv_shape(Napi::Value v) {
  using S = cnn::Conv2dShape;
  static const ShapeField<S> fields[] = {{"n", &S::n, 1},   {"c", &S::c, 1},   {"h", &S::h, 1},   {"w", &S::w, 1},
                                         {"oc", &S::oc, 1}, {"kh", &S::kh, 1}, {"kw", &S::kw, 1}, {"sh", &S::sh, 1},
                                         {"sw", &S::sw, 1}, {"ph", &S::ph, 0}, {"pw", &S::pw, 0}};
  Napi::Env e = env();
  S s = parse_shape_fields(e, op_, object_value(e, op_, v, "shape"), fields, dims_);
  require_output(e, op_, s, cnn::conv2d_output_size);
  define("oh", s.oh);
  define("ow", s.ow);
  conv_ = s;
}

void Args::parse_pool_shape(Napi::Value v) {
  using S = cnn::Pool2dShape;
  static const ShapeField<S> fields[] = {{"n", &S::n, 1},   {"c", &S::c, 1},   {"h", &S::h, 1},   {"w", &S::w, 1},
                                         {"kh", &S::kh, 1}, {"kw", &S::kw, 1}, {"sh", &S::sh, 1}, {"sw", &S::sw, 1},
                                         {"ph", &S::ph, 0}, {"pw", &S::pw, 0}};
  Napi::Env e = env();
  S s = parse_shape_fields(e, op_, object_value(e, op_, v, "shape"), fields, dims_);
  // As PyTorch: every window then holds at least one real cell.
  if (2 * s.ph > s.kh || 2 * s.pw > s.kw)
    fail_range("padding must be at most half the window: 2*ph = " + str(2 * s.ph) + " vs kh = " + str(s.kh) +
               ", 2*pw = " + str(2 * s.pw) + " vs kw = " + str(s.kw));
  require_output(e, op_, s, cnn::pool2d_output_size);
  define("oh", s.oh);
  define("ow", s.ow);
  pool_ = s;
}

void Args::parse_lrn(Napi::Value v) {
  Napi::Env e = env();
  Napi::Object o = object_value(e, op_, v, "lrn");
  lrn_.size = cnnbind::int_value(e, op_, o.Get("size"), "lrn.size", 1, kMaxDim);
  lrn_.alpha = (float)number_value(e, op_, o.Get("alpha"), "lrn.alpha", kNonNegative);
  lrn_.beta = (float)number_value(e, op_, o.Get("beta"), "lrn.beta", kNonNegative);
  lrn_.k = (float)number_value(e, op_, o.Get("k"), "lrn.k", kPositive);
}

void Args::parse_loss_options(Napi::Value v) {
  Napi::Env e = env();
  Napi::Object o = object_value(e, op_, v, "options");
  Napi::Value smoothing = o.Get("labelSmoothing");
  if (!smoothing.IsUndefined())
    loss_.label_smoothing = (float)number_value(e, op_, smoothing, "options.labelSmoothing", kUnitInterval);
  Napi::Value w = o.Get("classWeights");
  if (w.IsUndefined()) return;
  if (!w.IsTypedArray() || w.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    fail_type("options.classWeights must be a Float32Array");
  Napi::Float32Array weights = w.As<Napi::Float32Array>();
  const int64_t k = elements("options.classWeights", "k");
  if ((int64_t)weights.ElementLength() != k) fail_range("options.classWeights must have k = " + str(k) + " values");
  for (size_t j = 0; j < weights.ElementLength(); ++j)
    if (!(weights[j] >= 0 && std::isfinite(weights[j]))) fail_range("options.classWeights must be finite and >= 0");
  loss_.class_weights = weights.Data();
}

void Args::parse_adamw(Napi::Value v) {
  Napi::Env e = env();
  Napi::Object o = object_value(e, op_, v, "settings");
  adamw_.lr = (float)number_value(e, op_, o.Get("lr"), "settings.lr", kFinite);
  adamw_.beta1 = (float)number_value(e, op_, o.Get("beta1"), "settings.beta1", kFinite);
  adamw_.beta2 = (float)number_value(e, op_, o.Get("beta2"), "settings.beta2", kFinite);
  adamw_.eps = (float)number_value(e, op_, o.Get("eps"), "settings.eps", kFinite);
  adamw_.weight_decay = (float)number_value(e, op_, o.Get("weightDecay"), "settings.weightDecay", kFinite);
  // The bias corrections take beta^step, so any whole count a double holds exactly will do.
  const double step = number_value(e, op_, o.Get("step"), "settings.step", kFinite);
  if (!(step >= 1 && std::floor(step) == step && step <= 9007199254740991.0))
    fail_range("settings.step must be an integer >= 1");
  adamw_.step = (int64_t)step;
}

Args check_args(const Napi::CallbackInfo& info, const char* op, const std::vector<ArgSpec>& specs) {
  cnnbind::require_args(info, op, specs.size());
  Args a(info, op);
  a.values_.resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i)
    if (!is_buffer(specs[i].type))
      a.check_scalar(i, specs[i]);
    else if (!specs[i].extent)
      a.check_buffer(i, specs[i]);
  // Every size the arguments declare fits before any buffer is measured against one.
  for (const ArgSpec& spec : specs)
    if (is_buffer(spec.type) && spec.extent) a.elements(spec.name, spec.extent);
  for (size_t i = 0; i < specs.size(); ++i)
    if (is_buffer(specs[i].type) && specs[i].extent) a.check_buffer(i, specs[i]);
  a.check_overlaps(specs);
  return a;
}

namespace {

Napi::Value call_op(const Napi::CallbackInfo& info) {
  const OpSpec& op = *static_cast<const OpSpec*>(info.Data());
  try {
    return op.run(check_args(info, op.name, op.args));
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), "out of memory: the operation's workspace could not be allocated");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("native error: ") + e.what());
  }
}

}  // namespace

void export_ops(Napi::Env env, Napi::Object exports, const std::vector<OpSpec>& ops) {
  for (const OpSpec& op : ops)
    exports.Set(op.name, Napi::Function::New(env, call_op, op.name, const_cast<OpSpec*>(&op)));
}

}  // namespace cnntest
