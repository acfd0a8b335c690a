// Validation of a network configuration before any memory is planned. The plan computed in
// TypeScript is the source of truth for shapes; this re-checks that every shape, offset and
// size is consistent with the layer kind (each kind checks its own, with the kernels'
// output-size functions) so that a wrong plan is a readable error, never an out-of-bounds
// write. Messages use the TypeScript field names (inShape, weightSize, ...) and name the layer.
#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "net/network.h"

namespace cnn {
namespace {

std::string where(const Layer& l, size_t i) {
  return "layer '" + l.desc.name + "' (layers[" + std::to_string(i) + "], " + l.kind + "): ";
}

std::string check_positive(const Shape3& s, const char* field) {
  if (s.c < 1 || s.h < 1 || s.w < 1)
    return std::string(field) + " " + shape_text(s) + " must have every dimension >= 1";
  return "";
}

// Every producer's output shape must equal inShape; dense and flatten only need C*H*W to
// match. A kind says how many producers it takes (add: two, which may be the same).
std::string check_inputs(const NetworkConfig& cfg, size_t i) {
  const Layer& layer = *cfg.layers[i];
  const LayerDesc& l = layer.desc;
  const size_t want = (size_t)layer.input_count();
  if (l.inputs.size() != want)
    return std::string("inputs must name exactly ") + (want == 2 ? "two producers" : "one producer") + ", got " +
           std::to_string(l.inputs.size());
  for (size_t k = 0; k < want; ++k) {
    int p = l.inputs[k];
    std::string field = "inputs[" + std::to_string(k) + "]";
    if (p < -1 || p >= (int)i)
      return field + " is " + std::to_string(p) + ": it must be -1 (the network input) or an earlier layer (0.." +
             std::to_string((int)i - 1) + ")";
    const Shape3& ps = p < 0 ? cfg.input : cfg.layers[p]->desc.out_shape;
    std::string pname = p < 0 ? std::string("the network input") : "layer '" + cfg.layers[p]->desc.name + "'";
    bool flat = layer.reads_flat_input();
    if (flat ? ps.count() != l.in_shape.count() : !(ps == l.in_shape))
      return "inShape " + shape_text(l.in_shape) + " does not match the output " + shape_text(ps) + " of " + pname +
             " (" + field + ")";
  }
  return "";
}

std::string check_tensor(const char* field, int64_t offset, size_t size, size_t implied, bool required,
                         size_t param_count) {
  std::string off = std::string(field) + "Offset", sz = std::string(field) + "Size";
  if (size == 0) {
    if (offset != -1)
      return off + " is " + std::to_string(offset) + " but " + sz + " is 0 (use -1 for no " + field + ")";
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

std::string check_params(const NetworkConfig& cfg, const Layer& layer) {
  const LayerDesc& l = layer.desc;
  std::string e = check_tensor("weight", l.weight_offset, l.weight_size, layer.implied_weight_size(),
                               layer.requires_weight(), cfg.param_count);
  if (e.empty())
    e = check_tensor("bias", l.bias_offset, l.bias_size, layer.implied_bias_size(), layer.requires_bias(),
                     cfg.param_count);
  if (!e.empty() || l.weight_mask.empty()) return e;
  if (l.weight_mask.size() != l.weight_size)
    return "weightMask has " + std::to_string(l.weight_mask.size()) + " values, expected weightSize " +
           std::to_string(l.weight_size);
  for (float m : l.weight_mask)
    if (m != 0.0f && m != 1.0f) return "weightMask must hold only 0 and 1";
  return "";
}

std::string check_layer(const NetworkConfig& cfg, size_t i) {
  const Layer& layer = *cfg.layers[i];
  const LayerDesc& l = layer.desc;
  std::string e = check_positive(l.in_shape, "inShape");
  if (e.empty()) e = check_positive(l.out_shape, "outShape");
  if (e.empty()) e = check_inputs(cfg, i);
  if (e.empty()) e = layer.check_shapes();
  if (e.empty() && l.out_shape.count() * (size_t)cfg.max_batch > (size_t)INT_MAX)
    e = "maxBatch * C*H*W of outShape exceeds 2^31 - 1 values";
  if (e.empty()) e = check_params(cfg, layer);
  if (e.empty()) e = layer.check_buffers(cfg.param_count);
  return e.empty() ? e : where(layer, i) + e;
}

// Parameter tensors must not overlap: each gets its own SGD update, and a shared range
// would be updated twice per step; a kind's buffers (batchnorm's running statistics) are
// written by the training forward and must not alias a trained tensor (or each other).
std::string check_overlaps(const NetworkConfig& cfg) {
  struct Range {
    size_t begin, end;
    std::string what;
  };
  std::vector<Range> r;
  for (const auto& layer : cfg.layers) {
    const LayerDesc& l = layer->desc;
    if (l.weight_size)
      r.push_back({(size_t)l.weight_offset, (size_t)l.weight_offset + l.weight_size, "'" + l.name + "'.weight"});
    if (l.bias_size) r.push_back({(size_t)l.bias_offset, (size_t)l.bias_offset + l.bias_size, "'" + l.name + "'.bias"});
    for (const ParamBuffer& b : layer->buffers())
      r.push_back({(size_t)b.offset, (size_t)b.offset + b.size, "'" + l.name + "'." + b.role});
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
  if (cfg.input.count() * (size_t)cfg.max_batch > (size_t)INT_MAX)
    return "maxBatch * C*H*W of input exceeds 2^31 - 1 values";
  if (cfg.layers.empty()) return "layers must not be empty";
  if (cfg.param_count > 0 && (!cfg.params || !cfg.grads || !cfg.velocity))
    return "params, grads and velocity are required";
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
  const LayerDesc& last = cfg.layers.back()->desc;
  if (last.out_shape.count() != (size_t)cfg.classes)
    return where(*cfg.layers.back(), cfg.layers.size() - 1) + "the last layer's outShape " +
           shape_text(last.out_shape) + " has C*H*W = " + std::to_string(last.out_shape.count()) +
           ", expected classes = " + std::to_string(cfg.classes);
  return check_overlaps(cfg);
}

}  // namespace cnn
