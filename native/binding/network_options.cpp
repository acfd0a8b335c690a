// Field-by-field checks of the NetworkOptions object and its NativeLayerDesc entries.
// Messages read "Network: layers[3] ('conv2').kernel must be ...", so a user can find the
// layer in the plan that `cnn summary` prints.
#include <climits>
#include <cmath>
#include <memory>
#include <string>

#include "binding/checks.h"
#include "binding/network_options.h"
#include "layers/registry.h"

namespace cnnbind {
namespace {

const char* kFn = "Network";

bool is_f32(Napi::Value v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

Napi::Float32Array f32_prop(Napi::Env env, Napi::Object o, const std::string& key, const std::string& label) {
  Napi::Value v = o.Get(key);
  if (!is_f32(v)) throw_type(env, kFn, label + " must be a Float32Array");
  return v.As<Napi::Float32Array>();
}

Napi::Array array_prop(Napi::Env env, Napi::Object o, const std::string& key, const std::string& label) {
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) throw_type(env, kFn, label + " must be an array");
  return v.As<Napi::Array>();
}

// An array of exactly `count` integers in [lo, hi].
void int_tuple(Napi::Env env, Napi::Object o, const std::string& key, const std::string& label, int* out,
               uint32_t count, int64_t lo, int64_t hi) {
  Napi::Array a = array_prop(env, o, key, label);
  if (a.Length() != count) throw_type(env, kFn, label + " must be an array of " + std::to_string(count) + " integers");
  for (uint32_t k = 0; k < count; ++k)
    out[k] = int_value(env, kFn, a.Get(k), (label + "[" + std::to_string(k) + "]").c_str(), lo, hi);
}

cnn::Shape3 shape_prop(Napi::Env env, Napi::Object o, const std::string& key, const std::string& label) {
  int s[3];
  int_tuple(env, o, key, label, s, 3, 1, INT_MAX);
  return cnn::Shape3{s[0], s[1], s[2]};
}

bool present(Napi::Object o, const char* key) { return !o.Get(key).IsUndefined(); }

void tensor_props(Napi::Env env, Napi::Object o, const std::string& label, cnn::LayerDesc& d) {
  d.weight_offset = int_value(env, kFn, o.Get("weightOffset"), (label + ".weightOffset").c_str(), -1, INT_MAX);
  d.weight_size = (size_t)int_value(env, kFn, o.Get("weightSize"), (label + ".weightSize").c_str(), 0, INT_MAX);
  d.bias_offset = int_value(env, kFn, o.Get("biasOffset"), (label + ".biasOffset").c_str(), -1, INT_MAX);
  d.bias_size = (size_t)int_value(env, kFn, o.Get("biasSize"), (label + ".biasSize").c_str(), 0, INT_MAX);
  if (!present(o, "weightMask")) return;
  Napi::Float32Array m = f32_prop(env, o, "weightMask", label + ".weightMask");
  d.weight_mask.assign(m.Data(), m.Data() + m.ElementLength());  // copied: JS may drop it
}

// A finite number property; `fallback` when absent (required: no fallback, must be present).
float number_prop(Napi::Env env, Napi::Object o, const char* key, const std::string& label, bool required,
                  float fallback) {
  Napi::Value v = o.Get(key);
  std::string name = label + "." + key;
  if (v.IsUndefined()) {
    if (required) throw_type(env, kFn, name + " is required for this layer kind");
    return fallback;
  }
  if (!v.IsNumber()) throw_type(env, kFn, name + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw_range(env, kFn, name + " must be finite");
  return (float)d;
}

// A kind's own fields, read by the kind (layers/layer.h's LayerOptions) with the messages
// and error classes of the rest of this file.
class JsLayerOptions : public cnn::LayerOptions {
 public:
  JsLayerOptions(Napi::Env env, Napi::Object o, std::string label) : env_(env), o_(o), label_(std::move(label)) {}
  bool has(const char* key) override { return present(o_, key); }
  int integer(const char* key, int64_t lo, int64_t hi) override {
    return int_value(env_, kFn, o_.Get(key), field(key).c_str(), lo, hi);
  }
  void integers(const char* key, int* out, int count, int64_t lo, int64_t hi) override {
    int_tuple(env_, o_, key, field(key), out, (uint32_t)count, lo, hi);
  }
  float number(const char* key, bool required, float fallback) override {
    return number_prop(env_, o_, key, label_, required, fallback);
  }
  std::unique_ptr<cnn::LayerOptions> object(const char* key, const char* shape) override {
    Napi::Value v = o_.Get(key);
    if (!v.IsObject() || v.IsArray()) throw_type(env_, kFn, field(key) + " must be " + shape);
    return std::make_unique<JsLayerOptions>(env_, v.As<Napi::Object>(), field(key));
  }
  [[noreturn]] void fail_type(const std::string& message) override { throw_type(env_, kFn, label_ + "." + message); }
  [[noreturn]] void fail_range(const std::string& message) override { throw_range(env_, kFn, label_ + "." + message); }

 private:
  std::string field(const char* key) const { return label_ + "." + key; }
  Napi::Env env_;
  Napi::Object o_;
  std::string label_;
};

// Running statistics are batchnorm's (its kind reads them); on any other kind a stray one is
// reported rather than ignored.
void stray_running_statistics(Napi::Env env, Napi::Object o, const std::string& label, const cnn::Layer& layer,
                              uint32_t i) {
  if (!layer.buffers().empty()) return;
  for (const char* key : {"runningMeanOffset", "runningVarOffset"}) {
    if (!present(o, key)) continue;
    int v = int_value(env, kFn, o.Get(key), (label + "." + key).c_str(), -1, INT_MAX);
    if (v != -1)
      throw_range(env, kFn,
                  "layer '" + layer.desc.name + "' (layers[" + std::to_string(i) + "], " + layer.kind + "): " + key +
                      " is " + std::to_string(v) + " but only batchnorm has running statistics (use -1)");
  }
}

// frozen (transfer learning): optional boolean; only a layer with parameters can be frozen.
void frozen_prop(Napi::Env env, Napi::Object o, const std::string& label, cnn::LayerDesc& d) {
  if (!present(o, "frozen")) return;
  Napi::Value v = o.Get("frozen");
  if (!v.IsBoolean()) throw_type(env, kFn, label + ".frozen must be a boolean");
  d.frozen = v.As<Napi::Boolean>().Value();
  if (d.frozen && d.weight_size == 0 && d.bias_size == 0)
    throw_range(env, kFn, label + ".frozen: the layer has no parameters to freeze");
}

std::unique_ptr<cnn::Layer> parse_layer(Napi::Env env, Napi::Value v, uint32_t i) {
  std::string label = "layers[" + std::to_string(i) + "]";
  if (!v.IsObject() || v.IsArray()) throw_type(env, kFn, label + " must be an object");
  Napi::Object o = v.As<Napi::Object>();
  if (!o.Get("name").IsString()) throw_type(env, kFn, label + ".name must be a string");
  std::string name = o.Get("name").As<Napi::String>().Utf8Value();
  label += " ('" + name + "')";
  Napi::Value kind = o.Get("kind");
  std::unique_ptr<cnn::Layer> layer =
      kind.IsString() ? cnn::create_layer(kind.As<Napi::String>().Utf8Value().c_str()) : nullptr;
  if (!layer) throw_type(env, kFn, label + ".kind must be one of " + cnn::layer_kind_names());
  cnn::LayerDesc& d = layer->desc;
  d.name = name;
  Napi::Array inputs = array_prop(env, o, "inputs", label + ".inputs");
  for (uint32_t k = 0; k < inputs.Length(); ++k)
    d.inputs.push_back(
        int_value(env, kFn, inputs.Get(k), (label + ".inputs[" + std::to_string(k) + "]").c_str(), -1, INT_MAX));
  d.in_shape = shape_prop(env, o, "inShape", label + ".inShape");
  d.out_shape = shape_prop(env, o, "outShape", label + ".outShape");
  JsLayerOptions options(env, o, label);
  layer->parse(options);
  tensor_props(env, o, label, d);
  stray_running_statistics(env, o, label, *layer, i);
  frozen_prop(env, o, label, d);
  return layer;
}

// convAlgorithm: "auto" (default) | "gemm" | "implicit" | "direct"; precision: "fp32" (default)
// | "bf16"; fuseRelu: boolean (default true).
void build_settings(Napi::Env env, Napi::Object o, cnn::NetworkConfig& c) {
  if (present(o, "convAlgorithm")) {
    Napi::Value v = o.Get("convAlgorithm");
    if (!v.IsString() || !cnn::parse_conv_path_setting(v.As<Napi::String>().Utf8Value().c_str(), &c.conv_path))
      throw_type(env, kFn, "convAlgorithm must be one of auto, gemm, implicit, direct");
  }
  if (present(o, "precision")) {
    Napi::Value v = o.Get("precision");
    if (!v.IsString() || !cnn::parse_precision(v.As<Napi::String>().Utf8Value().c_str(), &c.precision))
      throw_type(env, kFn, "precision must be one of fp32, bf16");
  }
  if (present(o, "fuseRelu")) {
    Napi::Value v = o.Get("fuseRelu");
    if (!v.IsBoolean()) throw_type(env, kFn, "fuseRelu must be a boolean");
    c.fuse_relu = v.As<Napi::Boolean>().Value();
  }
}

void parse_arrays(Napi::Env env, Napi::Object o, NetworkOptions& out) {
  out.params = f32_prop(env, o, "params", "params");
  out.grads = f32_prop(env, o, "grads", "grads");
  out.velocity = f32_prop(env, o, "velocity", "velocity");
  size_t count = out.params.ElementLength();
  if (out.grads.ElementLength() != count || out.velocity.ElementLength() != count)
    throw_range(env, kFn,
                "params, grads and velocity must have the same length (" + std::to_string(count) + ", " +
                    std::to_string(out.grads.ElementLength()) + ", " + std::to_string(out.velocity.ElementLength()) +
                    ")");
  require_disjoint(env, kFn, "grads", out.grads.Data(), count, "params", out.params.Data(), count);
  require_disjoint(env, kFn, "velocity", out.velocity.Data(), count, "params", out.params.Data(), count);
  require_disjoint(env, kFn, "velocity", out.velocity.Data(), count, "grads", out.grads.Data(), count);
  out.config.params = out.params.Data();
  out.config.grads = out.grads.Data();
  out.config.velocity = out.velocity.Data();
  out.config.param_count = count;
  if (!present(o, "secondMoment")) return;  // AdamW's second moment: only networks trained with AdamW
  out.second_moment = f32_prop(env, o, "secondMoment", "secondMoment");
  if (out.second_moment.ElementLength() != count)
    throw_range(env, kFn,
                "secondMoment must have the length of params (" + std::to_string(count) + "), got " +
                    std::to_string(out.second_moment.ElementLength()));
  float* v = out.second_moment.Data();
  require_disjoint(env, kFn, "secondMoment", v, count, "params", out.params.Data(), count);
  require_disjoint(env, kFn, "secondMoment", v, count, "grads", out.grads.Data(), count);
  require_disjoint(env, kFn, "secondMoment", v, count, "velocity", out.velocity.Data(), count);
  out.config.second_moment = v;
}

// loss: optional { labelSmoothing?, classWeights? } (ranges checked by cnn::check_network).
void parse_loss(Napi::Env env, Napi::Object o, cnn::NetworkConfig& c) {
  if (!present(o, "loss")) return;
  Napi::Value v = o.Get("loss");
  if (!v.IsObject() || v.IsArray()) throw_type(env, kFn, "loss must be an object { labelSmoothing?, classWeights? }");
  Napi::Object loss = v.As<Napi::Object>();
  c.label_smoothing = number_prop(env, loss, "labelSmoothing", "loss", false, 0.0f);
  if (!present(loss, "classWeights")) return;
  Napi::Float32Array w = f32_prop(env, loss, "classWeights", "loss.classWeights");
  c.class_weights.assign(w.Data(), w.Data() + w.ElementLength());  // copied: JS may drop it
}

}  // namespace

NetworkOptions parse_network_options(Napi::Env env, Napi::Value options) {
  if (!options.IsObject() || options.IsArray() || options.IsTypedArray())
    throw_type(env, kFn, "options must be an object");
  Napi::Object o = options.As<Napi::Object>();
  NetworkOptions out;
  cnn::NetworkConfig& c = out.config;
  c.input = shape_prop(env, o, "input", "input");
  c.classes = int_prop(env, kFn, o, "classes", 1, INT_MAX);
  c.max_batch = int_prop(env, kFn, o, "maxBatch", 1, INT_MAX);
  c.threads = int_prop(env, kFn, o, "threads", 1, 256);
  parse_arrays(env, o, out);
  parse_loss(env, o, c);
  build_settings(env, o, c);
  Napi::Array layers = array_prop(env, o, "layers", "layers");
  if (layers.Length() == 0) throw_range(env, kFn, "layers must not be empty");
  for (uint32_t i = 0; i < layers.Length(); ++i) c.layers.push_back(parse_layer(env, layers.Get(i), i));
  return out;
}

}  // namespace cnnbind
