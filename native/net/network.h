// The native network: a whole model (a list of layers described by the TypeScript plan)
// run in C++, so one training step crosses the JS/C++ boundary once, not once per layer.
// Plain C++ (no N-API). Parameters, gradients and momentum are three flat float arrays
// owned by the caller (JS); the network holds raw pointers into them and never frees them.
// Activations, their gradients and all scratch memory are planned once at construction:
// nothing is allocated per step.
// Each layer is an object of its kind (native/layers/, layers/layer.h's interface); the
// network walks them in order and knows no kind by name.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace cnn {

struct NetworkConfig {
  Shape3 input;
  int classes = 0;
  std::vector<std::unique_ptr<Layer>> layers;  // from create_layer, descriptions parsed
  float* params = nullptr;                     // (param_count), caller-owned
  float* grads = nullptr;                      // (param_count), caller-owned
  float* velocity = nullptr;                   // (param_count), caller-owned; AdamW's first moment
  float* second_moment = nullptr;              // (param_count), caller-owned, or nullptr: AdamW's second moment
  size_t param_count = 0;
  // The training loss (compute_gradients): torch's CrossEntropyLoss(weight, label_smoothing).
  // Evaluation always reports the plain cross-entropy.
  float label_smoothing = 0;
  std::vector<float> class_weights;  // empty, or classes values >= 0
  int max_batch = 0;
  int threads = 1;
  ConvPathSetting conv_path = ConvPathSetting::automatic;  // each convolution's algorithm rule
  Precision precision = Precision::fp32;                   // the GEMMs of convolutions and dense layers
  bool fuse_relu = true;                                   // training fuses a relu into its producer (fusion.cpp)
};

enum class Optimizer { Sgd, AdamW };

// One update's settings: SGD with momentum (kernels/sgd.h) or AdamW (kernels/adamw.h, which
// needs NetworkConfig::second_moment); weight_decay is each one's own kind of decay.
struct SgdSettings {
  float lr = 0, momentum = 0, weight_decay = 0;
  uint32_t seed = 0;  // the step's random choices (dropout masks)
  Optimizer optimizer = Optimizer::Sgd;
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;  // AdamW
  int64_t step = 1;                                 // AdamW: this update's 1-based count (its bias corrections)
};

struct StepStats {
  double loss = 0;  // mean cross-entropy over the batch
  int correct = 0;  // images whose argmax matched the label
};

// Validation of a configuration (network_check.cpp): "" when valid, else a message that
// names the layer and the field.
std::string check_network(const NetworkConfig& cfg);

// Where a step's time went, per layer (profiling on; see Network::set_profiling).
struct LayerTime {
  std::string name;
  const char* kind;
  double forward_seconds, backward_seconds;
  int fused_into;  // a relu or add fused into its producer in training: the producer's index (its time is there), else
                   // -1
};
struct StepProfile {
  std::vector<LayerTime> layers;
  double loss_seconds = 0, update_seconds = 0;
  long steps = 0;  // compute_gradients calls since profiling was turned on
};

class Network {
 public:
  // Validates cfg and plans all memory. On a bad configuration returns nullptr and sets
  // *error; may throw std::bad_alloc if the plan does not fit in memory.
  static std::unique_ptr<Network> create(NetworkConfig cfg, std::string* error);

  // Forward (train mode: batch statistics, which also update batchnorm's running statistics,
  // and dropout masks drawn from seed), loss, backward: grads are overwritten, masked weight
  // gradients are zeroed. labels are (n) in [0, classes): the caller checks.
  StepStats compute_gradients(const float* x, const int32_t* labels, int n, uint32_t seed = 0);
  // SGD with momentum on every weight and bias tensor from the current grads (never on
  // batchnorm's running statistics).
  void apply_update(const SgdSettings& sgd);
  // compute_gradients (with sgd.seed) followed by apply_update.
  StepStats train_step(const float* x, const int32_t* labels, int n, const SgdSettings& sgd);
  // Forward in evaluation mode; probabilities (n, classes) into probs.
  void infer(const float* x, int n, float* probs);
  // Forward in evaluation mode with labels: probabilities into probs, loss and accuracy.
  StepStats evaluate(const float* x, const int32_t* labels, int n, float* probs);

  // Data-parallel training: every trainable batchnorm computes its training statistics over
  // the images of all processes through sync (synchronized batch norm); nullptr goes back to
  // this process's batch alone. sync must outlive its use (the MPI addon's lives as long as
  // the process). Not while a step runs.
  // Returns how many layers it affects (trainable batchnorms).
  int set_batch_norm_sync(const CrossProcess* sync);
  // Data-parallel training with the gradient sum overlapped with the backward pass: from the
  // next compute_gradients on, buckets of about bucket_floats finished gradients are summed
  // across processes (each process's times scale) through exchange while the backward pass
  // goes on, and compute_gradients returns with grads holding the sum (net/gradient_buckets.h).
  // nullptr turns it off. Returns false, changing nothing, when the parameter layout does not
  // allow buckets. Not while a step runs.
  bool set_gradient_exchange(const CrossProcess* exchange, float scale, size_t bucket_floats);

  // Sets the global kernel thread count and grows the workspace if it needs more.
  void set_threads(int threads);
  // Grows the workspace if the global thread count was raised elsewhere (cheap otherwise).
  void ensure_workspace();

  // Per-layer timing: off by default (a clock read per layer costs little, but nothing is
  // paid that nobody asked for). Turning it on resets the totals.
  void set_profiling(bool on);
  StepProfile profile() const;

  // L2 norm of each layer's weight gradient from the last backward (0: no weight tensor);
  // out has layer_count() values (grad_norms.cpp).
  void weight_grad_norms(double* out) const;

  size_t native_bytes() const;
  int max_batch() const { return cfg_.max_batch; }
  int classes() const { return cfg_.classes; }
  size_t input_count() const { return cfg_.input.count(); }
  size_t param_count() const { return cfg_.param_count; }
  bool has_second_moment() const { return cfg_.second_moment != nullptr; }
  // Read-only inspection (network_inspect.cpp, `cnn viz maps`): layer i's output of the last
  // forward, (max_batch, out C, H, W) of which the first n images are that call's. Valid after
  // an evaluation forward (infer, evaluate); after a training step a batchnorm, add or conv2d
  // fused with its relu (Layer::fused_relu) has not written its own output.
  int layer_count() const { return (int)layers_.size(); }
  Shape3 layer_out_shape(int layer) const { return layers_[(size_t)layer]->desc.out_shape; }
  const float* layer_output(int layer) const { return layers_[(size_t)layer]->out.data(); }
  // The algorithm the layer's kind chose at build time ("" for kinds without a choice), e.g.
  // a convolution's "direct/direct/im2col" (forward/backward-data/backward-weights).
  std::string layer_algorithm(int layer) const { return layers_[(size_t)layer]->algorithm(); }

 private:
  explicit Network(NetworkConfig cfg) : cfg_(std::move(cfg)) {}
  void plan_memory();
  size_t workspace_floats_needed(int threads) const;
  void check_step(int n) const;
  void check_batch_statistics(int n) const;  // training only
  // train: batchnorm uses (and records) batch statistics, dropout draws masks from seed;
  // otherwise both use their evaluation behaviour (running statistics, identity).
  void forward(const float* x, int n, bool train, uint32_t seed);
  StepStats loss(const int32_t* labels, int n, float* probs, bool want_dlogits);
  void backward(const float* x, int n);
  void backward_layer(const float* x, int n, int i);
  void backward_add_relu(const float* x, int n, int i);  // a layer fused with the add after it
  // After a layer's backward: its masked weights' and, when frozen, all its gradients zeroed.
  void finalize_grads(const Layer& L);
  // Frozen layers (frozen_layers.cpp): which outputs need a gradient.
  void mark_gradient_paths();
  // Relu fusion in training (fusion.cpp), unless the configuration turns it off.
  void plan_fusion();
  StepContext context(bool train, uint32_t seed);
  // One tensor's SGD or AdamW update (its weight decay 0 for tensors that are not decayed).
  void update_tensor(const SgdSettings& sgd, int64_t offset, size_t size, float weight_decay);

  LayerIO layer_io(const float* x, int layer) const;
  float* input_grad(int producer, bool* accumulate);

  NetworkConfig cfg_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<float> workspace_;            // shared scratch, sized for the largest Layer::workspace_floats
  std::vector<float> scratch_;              // shared scratch, sized for the largest Layer::scratch_floats
  std::vector<float> probs_;                // (max_batch, classes)
  std::vector<int32_t> zero_labels_;        // (max_batch): labels for infer(), whose loss is ignored
  const CrossProcess* exchange_ = nullptr;  // see set_gradient_exchange
  float exchange_scale_ = 1.0f;
  size_t bucket_floats_ = 0;
  bool profiling_ = false;
  double loss_seconds_ = 0, update_seconds_ = 0;
  long profiled_steps_ = 0;
};

}  // namespace cnn
