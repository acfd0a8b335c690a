// The native network's life cycle: construction (validate, then plan every buffer once),
// a step (forward through the layers in order, softmax cross-entropy on the last layer's
// output viewed as (n, classes), backward in reverse order) and the SGD update.
// Gradient buffers of activations are written with the kernels' `accumulate` flag: the first
// consumer of an activation overwrites its gradient buffer, later consumers add to it, so an
// activation read by several layers gets the sum of their contributions without a memset. An
// 'add' layer reads two activations (possibly the same one twice), each as a separate consumer.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "kernels/adamw.h"
#include "kernels/sgd.h"
#include "kernels/softmax_xent.h"
#include "kernels/threads.h"
#include "net/network.h"
#include "net/gradient_buckets.h"

namespace cnn {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class T>
size_t bytes_of(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace

std::unique_ptr<Network> Network::create(NetworkConfig cfg, std::string* error) {
  std::string e = check_network(cfg);
  if (!e.empty()) {
    *error = e;
    return nullptr;
  }
  std::unique_ptr<Network> net(new Network(std::move(cfg)));
  net->plan_memory();
  return net;
}

// Every buffer a step touches, sized for max_batch; each kind plans its own. Thread count:
// the configured one.
void Network::plan_memory() {
  const size_t nb = (size_t)cfg_.max_batch;
  const BuildSettings settings{cfg_.max_batch, cfg_.conv_path, cfg_.precision};
  size_t scratch = 0;
  layers_ = std::move(cfg_.layers);
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& L = *layers_[i];
    L.index = (uint32_t)i;
    L.out.assign(nb * L.desc.out_shape.count(), 0.0f);
    L.dout.assign(nb * L.desc.out_shape.count(), 0.0f);
    L.plan(settings);
    scratch = std::max(scratch, L.scratch_floats(cfg_.max_batch));
  }
  cfg_.layers.clear();  // moved into layers_
  mark_gradient_paths();
  plan_fusion();
  scratch_.assign(scratch, 0.0f);
  probs_.assign(nb * (size_t)cfg_.classes, 0.0f);
  zero_labels_.assign(nb, 0);
  set_threads(cfg_.threads);
}

size_t Network::workspace_floats_needed(int threads) const {
  size_t need = 0;
  for (const auto& L : layers_) need = std::max(need, L->workspace_floats(cfg_.max_batch, threads));
  return need;
}

void Network::set_threads(int threads) {
  set_num_threads(threads);
  cfg_.threads = num_threads();  // clamped
  ensure_workspace();
}

int Network::set_batch_norm_sync(const CrossProcess* sync) {
  int count = 0;
  for (auto& L : layers_) count += L->set_statistics_sync(sync) ? 1 : 0;
  return count;
}

bool Network::set_gradient_exchange(const CrossProcess* exchange, float scale, size_t bucket_floats) {
  if (exchange && !parameter_layout_allows_buckets(layers_)) return false;
  exchange_ = exchange;
  exchange_scale_ = scale;
  bucket_floats_ = bucket_floats;
  return true;
}

void Network::ensure_workspace() {
  size_t need = workspace_floats_needed(num_threads());
  if (need > workspace_.size()) workspace_.assign(need, 0.0f);  // grows only; never per step
}

size_t Network::native_bytes() const {
  size_t b = bytes_of(workspace_) + bytes_of(scratch_) + bytes_of(probs_) + bytes_of(zero_labels_);
  for (const auto& L : layers_)
    b += bytes_of(L->out) + bytes_of(L->dout) + bytes_of(L->desc.weight_mask) + L->own_bytes();
  return b;
}

// Defensive: the binding checks n, and the workspace is sized for the thread count; a
// violation here is a bug or a thread count changed behind the network's back.
void Network::check_step(int n) const {
  if (n < 1 || n > cfg_.max_batch)
    throw std::invalid_argument("n = " + std::to_string(n) +
                                " is outside [1, maxBatch = " + std::to_string(cfg_.max_batch) + "]");
  for (const auto& L : layers_)
    if (L->workspace_floats(n, num_threads()) > workspace_.size())
      throw std::runtime_error("the workspace is too small for " + std::to_string(num_threads()) +
                               " threads: set the thread count through the network's setThreads");
}

// The layer's forward inputs (the network input x or a producer's output), gradients unset.
LayerIO Network::layer_io(const float* x, int layer) const {
  const std::vector<int>& inputs = layers_[layer]->desc.inputs;
  LayerIO io;
  io.count = (int)inputs.size();  // validated: the kind's input_count
  for (int k = 0; k < io.count; ++k) io.x[k] = inputs[k] < 0 ? x : layers_[inputs[k]]->out.data();
  return io;
}

// Where a consumer writes its gradient for producer's output (nullptr for the network input,
// which needs none), and whether to add to it (some other consumer, or the same consumer
// through its other input, already wrote it this step).
float* Network::input_grad(int producer, bool* accumulate) {
  *accumulate = false;
  if (producer < 0 || !layers_[producer]->grad_needed) return nullptr;  // frozen up to here: skip
  Layer& p = *layers_[producer];
  *accumulate = p.dout_written;
  p.dout_written = true;
  return p.dout.data();
}

StepContext Network::context(bool train, uint32_t seed) {
  return StepContext{cfg_.params, cfg_.grads, workspace_.data(), scratch_.data(), train, seed};
}

// In training, a layer fused with its relu computes both (the relu's forward is then
// nothing; the profile books the pair's time on the producer). A frozen layer runs its
// evaluation behaviour in training too.
void Network::forward(const float* x, int n, bool train, uint32_t seed) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& L = *layers_[i];
    if (train && L.fused_into_producer) continue;
    auto t0 = std::chrono::steady_clock::now();
    StepContext ctx = context(train && !L.desc.frozen, seed);
    if (train && L.fused_add >= 0) {
      const Layer& add = *layers_[(size_t)L.fused_add];
      const LayerIO add_io = layer_io(x, L.fused_add);
      const float* residual = add_io.x[add.desc.inputs[0] == (int)i ? 1 : 0];
      L.forward_add_relu(layer_io(x, (int)i), n, ctx, residual, *layers_[(size_t)add.fused_relu]);
    } else if (train && L.fused_relu >= 0)
      L.forward_relu(layer_io(x, (int)i), n, ctx, *layers_[(size_t)L.fused_relu]);
    else
      L.forward(layer_io(x, (int)i), n, ctx);
    if (profiling_) L.forward_seconds += seconds_since(t0);
  }
}

// Loss on the last layer's output viewed as (n, classes); dlogits land in its dout. Training
// (want_dlogits) uses the configured class weights and label smoothing, evaluation the plain loss.
StepStats Network::loss(const int32_t* labels, int n, float* probs, bool want_dlogits) {
  Layer& last = *layers_.back();
  float* dlogits = want_dlogits ? last.dout.data() : nullptr;
  LossOptions options;
  if (want_dlogits) {
    options.label_smoothing = cfg_.label_smoothing;
    options.class_weights = cfg_.class_weights.empty() ? nullptr : cfg_.class_weights.data();
  }
  LossResult r = softmax_cross_entropy(n, cfg_.classes, last.out.data(), labels, probs, dlogits, options);
  for (auto& L : layers_) L->dout_written = false;
  last.dout_written = want_dlogits;
  return StepStats{r.weight_sum > 0 ? r.loss_sum / r.weight_sum : 0.0, r.correct};
}

// Layer by layer from the last; each layer's gradients are final once its backward is done,
// which is when a data-parallel run hands them to the gradient buckets.
void Network::backward(const float* x, int n) {
  if (cfg_.param_count) std::memset(cfg_.grads, 0, cfg_.param_count * sizeof(float));
  GradientBuckets buckets(exchange_, cfg_.grads, cfg_.param_count, exchange_scale_, bucket_floats_);
  for (int i = (int)layers_.size() - 1; i >= 0; --i) {
    backward_layer(x, n, i);
    finalize_grads(*layers_[i]);
    buckets.layer_done(*layers_[i]);
  }
  buckets.finish();
}

// A relu fused into its producer is skipped; the producer then runs when the relu's output
// has a gradient, from the relu's dout.
void Network::backward_layer(const float* x, int n, int i) {
  Layer& L = *layers_[i];
  if (L.fused_into_producer) return;
  if (L.fused_add >= 0) return backward_add_relu(x, n, i);
  Layer* relu = L.fused_relu >= 0 ? layers_[(size_t)L.fused_relu].get() : nullptr;
  if (!(relu ? relu->dout_written : L.dout_written)) return;  // nothing consumes this output: zero gradients
  LayerIO io = layer_io(x, i);
  for (int k = 0; k < io.count; ++k) io.dx[k] = input_grad(L.desc.inputs[k], &io.accumulate[k]);
  auto t0 = std::chrono::steady_clock::now();
  StepContext ctx = context(true, 0);
  if (relu)
    L.backward_relu(io, n, ctx, *relu);
  else
    L.backward(io, n, ctx);
  if (profiling_) L.backward_seconds += seconds_since(t0);
}

// A producer fused with the add after it and the add's relu runs the three backwards from the
// relu's dout: the add's other input gets its gradient first (as the add's backward would
// give it), then the producer's input.
void Network::backward_add_relu(const float* x, int n, int i) {
  Layer& L = *layers_[i];
  const Layer& add = *layers_[(size_t)L.fused_add];
  Layer& relu = *layers_[(size_t)add.fused_relu];
  if (!relu.dout_written) return;  // nothing consumes the relu's output: zero gradients
  const int other = add.desc.inputs[0] == i ? add.desc.inputs[1] : add.desc.inputs[0];
  bool dr_accumulate = false;
  float* dr = input_grad(other, &dr_accumulate);
  LayerIO io = layer_io(x, i);
  for (int k = 0; k < io.count; ++k) io.dx[k] = input_grad(L.desc.inputs[k], &io.accumulate[k]);
  auto t0 = std::chrono::steady_clock::now();
  L.backward_add_relu(io, n, context(true, 0), relu, dr, dr_accumulate);
  if (profiling_) L.backward_seconds += seconds_since(t0);
}

// Masked weights start at zero (JS initialises them so); a zero gradient keeps them there,
// since momentum and weight decay of a zero are zero. Selecting rather than multiplying
// writes an exact +0 even where the unmasked gradient was negative or not finite. A frozen
// layer's kernels computed gradients anyway: they are zeroed (no update).
void Network::finalize_grads(const Layer& L) {
  const LayerDesc& d = L.desc;
  const std::vector<float>& mask = d.weight_mask;
  if (!mask.empty()) {  // only layers with weights have a mask (weight_offset is -1 otherwise)
    float* g = cfg_.grads + d.weight_offset;
    for (size_t k = 0; k < mask.size(); ++k) g[k] = mask[k] != 0.0f ? g[k] : 0.0f;
  }
  if (!d.frozen) return;
  if (d.weight_size) std::memset(cfg_.grads + d.weight_offset, 0, d.weight_size * sizeof(float));
  if (d.bias_size) std::memset(cfg_.grads + d.bias_offset, 0, d.bias_size * sizeof(float));
}

void Network::check_batch_statistics(int n) const {
  for (const auto& L : layers_) {
    std::string e = L->check_training_batch(n);
    if (!e.empty()) throw std::invalid_argument(e);
  }
}

StepStats Network::compute_gradients(const float* x, const int32_t* labels, int n, uint32_t seed) {
  check_step(n);
  check_batch_statistics(n);
  forward(x, n, true, seed);
  auto t0 = std::chrono::steady_clock::now();
  StepStats s = loss(labels, n, probs_.data(), true);
  if (profiling_) {
    loss_seconds_ += seconds_since(t0);
    ++profiled_steps_;
  }
  backward(x, n);
  return s;
}

// Weight decay applies to the weights of the kinds that ask for it (conv and dense): biases,
// LeNet's subsampling coefficients and biases, and batch norm's gamma and beta are not
// decayed (as is usual, and as LeNet-5 had no decay at all). Only weight and bias tensors
// are updated: a kind's buffers (batch norm's running statistics) are no tensor of this loop.
// The same holds for AdamW's decoupled decay.
void Network::apply_update(const SgdSettings& sgd) {
  auto t0 = std::chrono::steady_clock::now();
  if (sgd.optimizer == Optimizer::AdamW && !cfg_.second_moment)
    throw std::invalid_argument("AdamW needs the network built with a second-moment array");
  for (const auto& L : layers_) {
    const LayerDesc& d = L->desc;
    if (d.frozen) continue;  // no step, no decay, no momentum: bitwise unchanged
    if (d.weight_size)
      update_tensor(sgd, d.weight_offset, d.weight_size, L->decays_weights() ? sgd.weight_decay : 0.0f);
    if (d.bias_size) update_tensor(sgd, d.bias_offset, d.bias_size, 0.0f);
  }
  if (profiling_) update_seconds_ += seconds_since(t0);
}

void Network::update_tensor(const SgdSettings& sgd, int64_t offset, size_t size, float weight_decay) {
  float* p = cfg_.params + offset;
  const float* g = cfg_.grads + offset;
  if (sgd.optimizer == Optimizer::Sgd) {
    sgd_update(size, p, g, cfg_.velocity + offset, sgd.lr, sgd.momentum, weight_decay);
    return;
  }
  AdamWSettings a;
  a.lr = sgd.lr;
  a.beta1 = sgd.beta1;
  a.beta2 = sgd.beta2;
  a.eps = sgd.eps;
  a.weight_decay = weight_decay;
  a.step = sgd.step;
  adamw_update(size, p, g, cfg_.velocity + offset, cfg_.second_moment + offset, a);
}

void Network::set_profiling(bool on) {
  profiling_ = on;
  for (auto& L : layers_) L->forward_seconds = L->backward_seconds = 0;
  loss_seconds_ = update_seconds_ = 0;
  profiled_steps_ = 0;
}

StepProfile Network::profile() const {
  StepProfile p;
  std::vector<int> fused_into(layers_.size(), -1);  // the layer whose time includes this one's
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& L = *layers_[i];
    if (L.fused_relu >= 0) fused_into[(size_t)L.fused_relu] = (int)i;
    if (L.fused_add >= 0) fused_into[(size_t)L.fused_add] = (int)i;
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& L = *layers_[i];
    p.layers.push_back(LayerTime{L.desc.name, L.kind, L.forward_seconds, L.backward_seconds, fused_into[i]});
  }
  p.loss_seconds = loss_seconds_;
  p.update_seconds = update_seconds_;
  p.steps = profiled_steps_;
  return p;
}

StepStats Network::train_step(const float* x, const int32_t* labels, int n, const SgdSettings& sgd) {
  StepStats s = compute_gradients(x, labels, n, sgd.seed);
  apply_update(sgd);
  return s;
}

void Network::infer(const float* x, int n, float* probs) {
  check_step(n);
  forward(x, n, false, 0);
  loss(zero_labels_.data(), n, probs, false);  // the loss against label 0 is ignored
}

StepStats Network::evaluate(const float* x, const int32_t* labels, int n, float* probs) {
  check_step(n);
  forward(x, n, false, 0);
  return loss(labels, n, probs, false);
}

}  // namespace cnn
