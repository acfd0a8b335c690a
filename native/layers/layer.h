// The contract every layer kind of the native network implements, one kind per file in
// native/layers/ (as darknet: a layer is a struct of its settings and buffers plus its
// forward and backward). The network (native/net/) walks its layers through this interface
// only; registry.cpp lists the kinds, mirroring src/layers/registry.ts.
// Plain C++ (no N-API): a kind reads its own fields of the JS description through the
// LayerOptions interface, which the binding implements.
// Shapes are [C, H, W] per image; every activation buffer is NCHW with N <= max_batch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/conv2d_algorithm.h"
#include "kernels/cross_process.h"

namespace cnn {

struct Shape3 {
  int c = 0, h = 0, w = 0;
  size_t count() const { return (size_t)c * (size_t)h * (size_t)w; }
  bool operator==(const Shape3& o) const { return c == o.c && h == o.h && w == o.w; }
};

std::string shape_text(const Shape3& s);  // "[C, H, W]"

// The fields every kind has (the common part of NativeLayerDesc). A tensor that is absent
// has offset -1 and size 0.
struct LayerDesc {
  std::string name;
  std::vector<int> inputs;  // producer layer indices; -1 is the network input
  Shape3 in_shape, out_shape;
  int64_t weight_offset = -1, bias_offset = -1;
  size_t weight_size = 0, bias_size = 0;
  std::vector<float> weight_mask;  // empty: no mask; else weight_size values, each 0 or 1
  // Transfer learning: no update and zero weight/bias gradients (net/frozen_layers.cpp);
  // a kind may also change its training behaviour (a frozen batchnorm keeps its statistics).
  bool frozen = false;
};

// A kind's own fields of the JS layer description. Every call throws when the field is
// missing (where required), of the wrong type or out of range, with a message naming the
// layer and the field; fail_* throw with `message` after "layers[i] ('name')." too.
class LayerOptions {
 public:
  virtual ~LayerOptions() = default;
  virtual bool has(const char* key) = 0;
  virtual int integer(const char* key, int64_t lo, int64_t hi) = 0;
  virtual void integers(const char* key, int* out, int count, int64_t lo, int64_t hi) = 0;
  // A finite number; `fallback` when absent and not required.
  virtual float number(const char* key, bool required, float fallback) = 0;
  // A nested object ({ size, alpha, beta, k }); `shape` describes it in the error message.
  virtual std::unique_ptr<LayerOptions> object(const char* key, const char* shape) = 0;
  [[noreturn]] virtual void fail_type(const std::string& message) = 0;
  [[noreturn]] virtual void fail_range(const std::string& message) = 0;
};

// Settings of the whole network that kinds plan with.
struct BuildSettings {
  int max_batch = 1;
  ConvPathSetting conv_path = ConvPathSetting::automatic;  // see kernels/conv2d_algorithm.h
  Precision precision = Precision::fp32;  // convolutions' and dense layers' GEMMs (kernels/precision.h)
};

// A layer's inputs for one call (two for 'add', else one) and, in backward, where their
// gradients go. An input that is the network input has no gradient buffer (dx nullptr).
struct LayerIO {
  int count = 1;
  const float* x[2] = {nullptr, nullptr};  // (n, in C, H, W) each
  float* dx[2] = {nullptr, nullptr};       // (n, in C, H, W) each, or nullptr
  bool accumulate[2] = {false, false};     // add into dx[k] (another consumer wrote it) or overwrite
};

// What a step hands every layer: the flat arrays and the shared scratch memory.
struct StepContext {
  float* params;     // (param_count): written in forward only by batchnorm's running statistics
  float* grads;      // (param_count): backward adds parameter gradients here
  float* workspace;  // shared, sized to the largest workspace_floats
  float* scratch;    // shared, sized to the largest scratch_floats
  bool train;        // training forward (batch statistics, dropout masks); false also for a frozen layer
  uint32_t seed;     // the step's random choices (dropout)
};

// A range of the parameter array that a kind keeps but SGD does not update (batchnorm's
// running statistics): checked for overlaps and summed across processes with the gradients.
struct ParamBuffer {
  const char* role;  // "runningMean"
  int64_t offset;
  size_t size;
};

class Layer {
 public:
  virtual ~Layer() = default;

  // ---- description (the binding parses, check_network validates) ----
  // Reads the kind's own fields (kernel, eps, p, ...) after the common ones are in desc.
  virtual void parse(LayerOptions& options) { (void)options; }
  virtual int input_count() const { return 1; }
  // Whether inShape need only match the producer's C*H*W (dense and flatten read it flat).
  virtual bool reads_flat_input() const { return false; }
  // The kind's settings and outShape given inShape: "" when consistent, else what is wrong.
  virtual std::string check_shapes() const = 0;
  // The weight and bias sizes the shapes imply (0: the kind has no such tensor), and whether
  // each must be present.
  virtual size_t implied_weight_size() const { return 0; }
  virtual size_t implied_bias_size() const { return 0; }
  virtual bool requires_weight() const { return false; }
  virtual bool requires_bias() const { return false; }
  // The kind's parameter buffers (ranges it checks itself against the parameter array).
  virtual std::vector<ParamBuffer> buffers() const { return {}; }
  // Checks that need the parameter array's size (buffers inside it); "" when fine.
  virtual std::string check_buffers(size_t param_count) const {
    (void)param_count;
    return "";
  }

  // ---- memory (planned once, before any step) ----
  virtual void plan(const BuildSettings& settings) { (void)settings; }
  // Shared scratch memory of one call on n images with `threads` threads.
  virtual size_t workspace_floats(int n, int threads) const {
    (void)n;
    (void)threads;
    return 0;
  }
  virtual size_t scratch_floats(int max_batch) const {
    (void)max_batch;
    return 0;
  }
  virtual size_t own_bytes() const { return 0; }  // the kind's own buffers
  // The algorithm chosen at build time, for `summary --algorithms` and the profile ("" none).
  virtual std::string algorithm() const { return ""; }

  // ---- a step ----
  // A training batch of n images the kind cannot take: "" when fine, else why.
  virtual std::string check_training_batch(int n) const {
    (void)n;
    return "";
  }
  // out = layer(io.x) for the first n images.
  virtual void forward(const LayerIO& io, int n, const StepContext& ctx) = 0;
  // From dout: parameter gradients += into ctx.grads, and each input's gradient into io.dx[k]
  // (= when !io.accumulate[k], += when set; nullptr: that input needs no gradient). Only after
  // a training forward.
  virtual void backward(const LayerIO& io, int n, const StepContext& ctx) = 0;

  // ---- relu fusion (net/fusion.cpp) ----
  // A relu layer: its work can be done by the layer before it.
  virtual bool is_relu() const { return false; }
  // This kind can compute relu(itself) in training: forward_relu writes relu.out (bitwise
  // the two layers in sequence); backward_relu reads relu.dout (and relu.out, the mask) and
  // writes what backward would.
  virtual bool fuses_relu() const { return false; }
  virtual void forward_relu(const LayerIO& io, int n, const StepContext& ctx, Layer& relu) {
    (void)io;
    (void)n;
    (void)ctx;
    (void)relu;
  }
  virtual void backward_relu(const LayerIO& io, int n, const StepContext& ctx, Layer& relu) {
    (void)io;
    (void)n;
    (void)ctx;
    (void)relu;
  }

  // ---- residual fusion (net/fusion.cpp) ----
  // An add layer (the element-wise sum of two inputs).
  virtual bool is_add() const { return false; }
  // This kind can compute relu(itself + r) in training, where an add with a fused relu is its
  // only reader and r is the add's other input, computed earlier: forward_add_relu writes
  // relu.out (bitwise the three layers in sequence); backward_add_relu reads relu.out (the
  // mask) and relu.dout, writes the add's gradient for r into dr (+= when dr_accumulate;
  // nullptr: none wanted) and what backward would.
  virtual bool fuses_add_relu() const { return false; }
  virtual void forward_add_relu(const LayerIO& io, int n, const StepContext& ctx, const float* residual, Layer& relu) {
    (void)io;
    (void)n;
    (void)ctx;
    (void)residual;
    (void)relu;
  }
  virtual void backward_add_relu(const LayerIO& io, int n, const StepContext& ctx, Layer& relu, float* dr,
                                 bool dr_accumulate) {
    (void)io;
    (void)n;
    (void)ctx;
    (void)relu;
    (void)dr;
    (void)dr_accumulate;
  }

  // ---- training ----
  virtual bool decays_weights() const { return false; }  // weight decay applies to the weight
  // Data-parallel training: statistics over all processes' images through sync (nullptr:
  // this process's alone). Returns whether the kind has such statistics.
  virtual bool set_statistics_sync(const CrossProcess* sync) {
    (void)sync;
    return false;
  }

  // ---- what the network keeps for every layer ----
  const char* kind = "";  // the registry's name, set by create_layer
  LayerDesc desc;
  uint32_t index = 0;         // position in the network (dropout's stream under the step seed)
  std::vector<float> out;     // (max_batch, out C, H, W)
  std::vector<float> dout;    // (max_batch, out C, H, W): gradient of the loss wrt out
  bool dout_written = false;  // backward: has any consumer written dout yet this step
  bool grad_needed = true;    // backward: a trainable parameter lies at or before this layer
  // Relu fusion in training: on the producer, the relu's index (-1: none); on the relu, that
  // its work is done by its producer. The producer's own out (and, unless the kind's
  // backward_relu writes it, dout) is not written in training.
  int fused_relu = -1;
  bool fused_into_producer = false;
  // Residual fusion in training: on the producer, the add's index (-1: none; the add's relu
  // is add.fused_relu); the add then has fused_into_producer set, and neither the producer's
  // out nor the add's is written.
  int fused_add = -1;
  double forward_seconds = 0, backward_seconds = 0;  // accumulated while profiling is on

 protected:
  const float* weight(const float* base) const { return desc.weight_size ? base + desc.weight_offset : nullptr; }
  float* weight(float* base) const { return desc.weight_size ? base + desc.weight_offset : nullptr; }
  const float* bias(const float* base) const { return desc.bias_size ? base + desc.bias_offset : nullptr; }
  float* bias(float* base) const { return desc.bias_size ? base + desc.bias_offset : nullptr; }
  size_t in_count(int n) const { return (size_t)n * desc.in_shape.count(); }
  size_t out_count(int n) const { return (size_t)n * desc.out_shape.count(); }
  // "" when outShape equals want, else "outShape [..] should be [..] (rule)".
  std::string expect_out(const Shape3& want, const char* rule) const;
};

}  // namespace cnn
