// Validation of a network configuration before any memory is planned. The plan computed in
// TypeScript is the source of truth for shapes; this re-checks that every shape, offset and
// size is consistent with the layer kind (using the kernels' own output-size functions) so
// that a wrong plan is a readable error, never an out-of-bounds write. Messages use the
// TypeScript field names (inShape, weightSize, ...) and name the layer.
#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "net/network.h"

namespace cnn {
namespace {

std::string str(const Shape3& s) {
  return "[" + std::to_string(s.c) + ", " + std::to_string(s.h) + ", " + std::to_string(s.w) + "]";
}

std::string where(const LayerDesc& l, size_t i) {
  return "layer '" + l.name + "' (layers[" + std::to_string(i) + "], " + layer_kind_name(l.kind) + "): ";
}

bool has_weight_kind(LayerKind k) {
  return k == LayerKind::Conv2d || k == LayerKind::Dense || k == LayerKind::Subsample || k == LayerKind::BatchNorm;
}
bool is_windowed(LayerKind k) {
  return k == LayerKind::Conv2d || k == LayerKind::MaxPool || k == LayerKind::AvgPool || k == LayerKind::Subsample;
}

std::string check_positive(const Shape3& s, const char* field) {
  if (s.c < 1 || s.h < 1 || s.w < 1) return std::string(field) + " " + str(s) + " must have every dimension >= 1";
  return "";
}

// Every producer's output shape must equal inShape; dense and flatten only need C*H*W to
// match. 'add' takes two producers (they may be the same), every other kind one.
std::string check_inputs(const NetworkConfig& cfg, size_t i) {
  const LayerDesc& l = cfg.layers[i];
  const size_t want = l.kind == LayerKind::Add ? 2 : 1;
  if (l.inputs.size() != want)
    return std::string("inputs must name exactly ") + (want == 2 ? "two producers" : "one producer") + ", got " +
           std::to_string(l.inputs.size());
  for (size_t k = 0; k < want; ++k) {
    int p = l.inputs[k];
    std::string field = "inputs[" + std::to_string(k) + "]";
    if (p < -1 || p >= (int)i)
      return field + " is " + std::to_string(p) + ": it must be -1 (the network input) or an earlier layer (0.." +
             std::to_string((int)i - 1) + ")";
    const Shape3& ps = p < 0 ? cfg.input : cfg.layers[p].out_shape;
    std::string pname = p < 0 ? std::string("the network input") : "layer '" + cfg.layers[p].name + "'";
    bool flat = l.kind == LayerKind::Dense || l.kind == LayerKind::Flatten;
    if (flat ? ps.count() != l.in_shape.count() : !(ps == l.in_shape))
      return "inShape " + str(l.in_shape) + " does not match the output " + str(ps) + " of " + pname + " (" + field + ")";
  }
  return "";
}

std::string check_window(const LayerDesc& l) {
  if (l.kernel[0] < 1 || l.kernel[1] < 1) return "kernel must be >= 1";
  if (l.stride[0] < 1 || l.stride[1] < 1) return "stride must be >= 1";
  if (l.pad[0] < 0 || l.pad[1] < 0) return "pad must be >= 0";
  // As PyTorch: a pooling window must always see at least one real input value.
  if (l.kind != LayerKind::Conv2d && (2 * l.pad[0] > l.kernel[0] || 2 * l.pad[1] > l.kernel[1]))
    return "pad must be at most half the kernel";
  return "";
}

std::string expect_out(const LayerDesc& l, Shape3 want, const char* rule) {
  if (l.out_shape == want) return "";
  return "outShape " + str(l.out_shape) + " should be " + str(want) + " (" + rule + ")";
}

std::string check_out_shape(const LayerDesc& l) {
  const Shape3& in = l.in_shape;
  switch (l.kind) {
    case LayerKind::Conv2d: {
      Conv2dShape s{1, in.c, in.h, in.w, l.out_shape.c, l.kernel[0], l.kernel[1],
                    l.stride[0], l.stride[1], l.pad[0], l.pad[1], 0, 0};
      if (!conv2d_output_size(s)) return "kernel larger than the padded input: the output would be empty";
      return expect_out(l, {l.out_shape.c, s.oh, s.ow}, "conv2d output size");
    }
    case LayerKind::MaxPool: case LayerKind::AvgPool: case LayerKind::Subsample: {
      Pool2dShape s{1, in.c, in.h, in.w, l.kernel[0], l.kernel[1], l.stride[0], l.stride[1], l.pad[0], l.pad[1], 0, 0};
      if (!pool2d_output_size(s)) return "kernel larger than the padded input: the output would be empty";
      return expect_out(l, {in.c, s.oh, s.ow}, "pooling keeps the channels; pool2d output size");
    }
    case LayerKind::Dense:
      if (l.out_shape.h != 1 || l.out_shape.w != 1) return "outShape " + str(l.out_shape) + " should be [units, 1, 1]";
      return "";
    case LayerKind::Flatten:
      if (in.count() > (size_t)INT_MAX) return "inShape is too large";
      return expect_out(l, {(int)in.count(), 1, 1}, "flatten gives [C*H*W, 1, 1]");
    case LayerKind::Relu: case LayerKind::Tanh: case LayerKind::Sigmoid: case LayerKind::ScaledTanh:
    case LayerKind::Dropout: case LayerKind::Add:
      return expect_out(l, in, "element-wise layers keep the shape");
    case LayerKind::BatchNorm: case LayerKind::Lrn:
      return expect_out(l, in, "normalisation keeps the shape");
  }
  return "unknown layer kind";
}

// What weightSize and biasSize the shapes imply (0: the kind has no such tensor).
void implied_sizes(const LayerDesc& l, size_t* weight, size_t* bias) {
  size_t oc = (size_t)l.out_shape.c, ic = (size_t)l.in_shape.c;
  switch (l.kind) {
    case LayerKind::Conv2d: *weight = oc * ic * (size_t)l.kernel[0] * (size_t)l.kernel[1]; *bias = oc; return;
    case LayerKind::Dense: *weight = oc * l.in_shape.count(); *bias = oc; return;
    case LayerKind::Subsample: *weight = ic; *bias = ic; return;  // a coefficient and a bias per map
    case LayerKind::BatchNorm: *weight = ic; *bias = ic; return;  // gamma and beta per channel
    default: *weight = 0; *bias = 0; return;
  }
}

std::string check_tensor(const char* field, int64_t offset, size_t size, size_t implied, bool required,
                         size_t param_count) {
  std::string off = std::string(field) + "Offset", sz = std::string(field) + "Size";
  if (size == 0) {
    if (offset != -1) return off + " is " + std::to_string(offset) + " but " + sz + " is 0 (use -1 for no " + field + ")";
    if (required) return sz + " is 0, expected " + std::to_string(implied);
    return "";
  }
  if (implied == 0) return sz + " is " + std::to_string(size) + " but this kind has no " + field + " (expected -1 / 0)";
  if (size != implied) return sz + " is " + std::to_string(size) + ", expected " + std::to_string(implied);
  if (offset < 0 || (uint64_t)offset > param_count || size > param_count - (size_t)offset)
    return off + " " + std::to_string(offset) + " + " + sz + " " + std::to_string(size) +
           " lies outside the parameter array of " + std::to_string(param_count) + " floats";
  return "";
}

std::string check_params(const NetworkConfig& cfg, const LayerDesc& l) {
  size_t w = 0, b = 0;
  implied_sizes(l, &w, &b);
  std::string e = check_tensor("weight", l.weight_offset, l.weight_size, w, has_weight_kind(l.kind), cfg.param_count);
  if (e.empty()) e = check_tensor("bias", l.bias_offset, l.bias_size, b, l.kind == LayerKind::BatchNorm, cfg.param_count);
  if (!e.empty() || l.weight_mask.empty()) return e;
  if (l.weight_mask.size() != l.weight_size)
    return "weightMask has " + std::to_string(l.weight_mask.size()) + " values, expected weightSize " +
           std::to_string(l.weight_size);
  for (float m : l.weight_mask)
    if (m != 0.0f && m != 1.0f) return "weightMask must hold only 0 and 1";
  return "";
}

// A running statistic of batchnorm: C floats inside the parameter array; absent (-1) elsewhere.
std::string check_running(const char* field, int64_t offset, const LayerDesc& l, size_t param_count) {
  const std::string f(field);
  if (l.kind != LayerKind::BatchNorm)
    return offset == -1 ? "" : f + " is " + std::to_string(offset) + " but only batchnorm has running statistics (use -1)";
  size_t c = (size_t)l.in_shape.c;
  if (offset < 0) return f + " is " + std::to_string(offset) + ": batchnorm keeps its running statistics in the parameter array";
  if ((uint64_t)offset > param_count || c > param_count - (size_t)offset)
    return f + " " + std::to_string(offset) + " + C " + std::to_string(c) + " lies outside the parameter array of " +
           std::to_string(param_count) + " floats";
  return "";
}

// The scalar settings of batchnorm, dropout and lrn.
std::string check_settings(const LayerDesc& l) {
  switch (l.kind) {
    case LayerKind::BatchNorm:
      if (!(std::isfinite(l.eps) && l.eps > 0)) return "eps must be a finite number > 0";
      if (!(l.bn_momentum >= 0 && l.bn_momentum <= 1)) return "bnMomentum must be in [0, 1]";
      return "";
    case LayerKind::Dropout:
      if (!(l.p >= 0 && l.p < 1)) return "p must be in [0, 1)";
      return "";
    case LayerKind::Lrn:
      if (l.lrn.size < 1) return "lrn.size must be >= 1";
      if (!(std::isfinite(l.lrn.alpha) && l.lrn.alpha >= 0)) return "lrn.alpha must be a finite number >= 0";
      if (!(std::isfinite(l.lrn.beta) && l.lrn.beta >= 0)) return "lrn.beta must be a finite number >= 0";
      if (!(std::isfinite(l.lrn.k) && l.lrn.k > 0)) return "lrn.k must be a finite number > 0";
      return "";
    default:
      return "";
  }
}

std::string check_layer(const NetworkConfig& cfg, size_t i) {
  const LayerDesc& l = cfg.layers[i];
  std::string e = check_positive(l.in_shape, "inShape");
  if (e.empty()) e = check_positive(l.out_shape, "outShape");
  if (e.empty()) e = check_inputs(cfg, i);
  if (e.empty() && is_windowed(l.kind)) e = check_window(l);
  if (e.empty()) e = check_out_shape(l);
  if (e.empty() && l.out_shape.count() * (size_t)cfg.max_batch > (size_t)INT_MAX)
    e = "maxBatch * C*H*W of outShape exceeds 2^31 - 1 values";
  if (e.empty()) e = check_params(cfg, l);
  if (e.empty()) e = check_running("runningMeanOffset", l.running_mean_offset, l, cfg.param_count);
  if (e.empty()) e = check_running("runningVarOffset", l.running_var_offset, l, cfg.param_count);
  if (e.empty()) e = check_settings(l);
  return e.empty() ? e : where(l, i) + e;
}

// Parameter tensors must not overlap: each gets its own SGD update, and a shared range
// would be updated twice per step; batchnorm's running statistics are written by the
// training forward and must not alias a trained tensor (or each other).
std::string check_overlaps(const NetworkConfig& cfg) {
  struct Range { size_t begin, end; std::string what; };
  std::vector<Range> r;
  for (const LayerDesc& l : cfg.layers) {
    if (l.weight_size) r.push_back({(size_t)l.weight_offset, (size_t)l.weight_offset + l.weight_size, "'" + l.name + "'.weight"});
    if (l.bias_size) r.push_back({(size_t)l.bias_offset, (size_t)l.bias_offset + l.bias_size, "'" + l.name + "'.bias"});
    if (l.kind == LayerKind::BatchNorm) {
      size_t c = (size_t)l.in_shape.c;
      r.push_back({(size_t)l.running_mean_offset, (size_t)l.running_mean_offset + c, "'" + l.name + "'.runningMean"});
      r.push_back({(size_t)l.running_var_offset, (size_t)l.running_var_offset + c, "'" + l.name + "'.runningVar"});
    }
  }
  std::sort(r.begin(), r.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  for (size_t k = 1; k < r.size(); ++k)
    if (r[k].begin < r[k - 1].end)
      return "parameter tensors " + r[k - 1].what + " and " + r[k].what + " overlap in the parameter array";
  return "";
}

}  // namespace

std::string check_network(const NetworkConfig& cfg) {
  if (cfg.max_batch < 1) return "maxBatch must be >= 1";
  if (cfg.classes < 1) return "classes must be >= 1";
  std::string e = check_positive(cfg.input, "input");
  if (!e.empty()) return e;
  if (cfg.input.count() * (size_t)cfg.max_batch > (size_t)INT_MAX) return "maxBatch * C*H*W of input exceeds 2^31 - 1 values";
  if (cfg.layers.empty()) return "layers must not be empty";
  if (cfg.param_count > 0 && (!cfg.params || !cfg.grads || !cfg.velocity)) return "params, grads and velocity are required";
  if (!(cfg.label_smoothing >= 0 && cfg.label_smoothing <= 1)) return "loss.labelSmoothing must be in [0, 1]";
  if (!cfg.class_weights.empty() && cfg.class_weights.size() != (size_t)cfg.classes)
    return "loss.classWeights must have classes = " + std::to_string(cfg.classes) + " values, got " +
           std::to_string(cfg.class_weights.size());
  for (float w : cfg.class_weights)
    if (!(w >= 0 && std::isfinite(w))) return "loss.classWeights must be finite and >= 0";
  for (size_t i = 0; i < cfg.layers.size(); ++i) {
    e = check_layer(cfg, i);
    if (!e.empty()) return e;
  }
  const LayerDesc& last = cfg.layers.back();
  if (last.out_shape.count() != (size_t)cfg.classes)
    return where(last, cfg.layers.size() - 1) + "the last layer's outShape " + str(last.out_shape) +
           " has C*H*W = " + std::to_string(last.out_shape.count()) + ", expected classes = " + std::to_string(cfg.classes);
  return check_overlaps(cfg);
}

}  // namespace cnn
