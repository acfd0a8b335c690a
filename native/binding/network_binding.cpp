// The Network class on the module: a Napi::ObjectWrap over cnn::Network. The constructor
// unpacks and checks the NetworkOptions (network_options.cpp), keeps the params/grads/velocity
// arrays referenced and builds the native network. Heavy calls (trainStep, computeGradients,
// forward, evaluate) check their arguments synchronously (TypeError/RangeError), then run in a
// StepWorker off the main thread and return a promise; one at a time (busy flag).
#include <napi.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "binding/checks.h"
#include "binding/network_grad_norms.h"
#include "binding/network_inspect.h"
#include "binding/network_options.h"
#include "binding/network_worker.h"
#include "kernels/threads.h"
#include "net/network.h"

namespace cnnbind {
namespace {

const char* kBusy = "network is busy: one step at a time";

class NetworkWrap : public Napi::ObjectWrap<NetworkWrap>, public StepOwner {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Network",
        {InstanceMethod<&NetworkWrap::TrainStep>("trainStep"),
         InstanceMethod<&NetworkWrap::ComputeGradients>("computeGradients"),
         InstanceMethod<&NetworkWrap::ApplyUpdate>("applyUpdate"), InstanceMethod<&NetworkWrap::Forward>("forward"),
         InstanceMethod<&NetworkWrap::Evaluate>("evaluate"), InstanceMethod<&NetworkWrap::SetThreads>("setThreads"),
         InstanceMethod<&NetworkWrap::LayerOutput>("layerOutput"),
         InstanceMethod<&NetworkWrap::WeightGradNorms>("weightGradNorms"),
         InstanceMethod<&NetworkWrap::SetProfiling>("setProfiling"),
         InstanceMethod<&NetworkWrap::SetBatchNormSync>("setBatchNormSync"),
         InstanceMethod<&NetworkWrap::SetGradientExchange>("setGradientExchange"),
         InstanceMethod<&NetworkWrap::Profile>("profile"),
         InstanceMethod<&NetworkWrap::LayerAlgorithms>("layerAlgorithms"), InstanceAccessor<&NetworkWrap::Busy>("busy"),
         InstanceAccessor<&NetworkWrap::NativeBytes>("nativeBytes")});
  }

  explicit NetworkWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetworkWrap>(info) {
    Napi::Env env = info.Env();
    require_args(info, "Network", 1);
    NetworkOptions o = parse_network_options(env, info[0]);
    if (network_steps_running() > 0 && o.config.threads != cnn::num_threads())
      throw Napi::Error::New(env, "Network: cannot change the thread count to " + std::to_string(o.config.threads) +
                                      " while a network step is running");
    params_ = Napi::Persistent(o.params);
    grads_ = Napi::Persistent(o.grads);
    velocity_ = Napi::Persistent(o.velocity);
    data_[0] = o.params.Data();
    data_[1] = o.grads.Data();
    data_[2] = o.velocity.Data();
    if (!o.second_moment.IsEmpty()) {
      second_moment_ = Napi::Persistent(o.second_moment);
      second_moment_data_ = o.second_moment.Data();
    }
    std::string error;
    int max_batch = o.config.max_batch;
    try {
      net_ = cnn::Network::create(std::move(o.config), &error);
      if (net_) labels_.assign((size_t)net_->max_batch(), 0);
    } catch (const std::bad_alloc&) {
      throw_range(env, "Network", "not enough memory for maxBatch = " + std::to_string(max_batch));
    }
    if (!net_) throw_range(env, "Network", error);
  }

  void set_idle() override { busy_ = false; }
  cnn::Network& network() override { return *net_; }

 private:
  // x (n, C, H, W) of the network input, checked and disjoint from the parameter arrays.
  float* x_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, int n) {
    float* x = f32_arg(info, fn, i, "x", (size_t)n * net_->input_count());
    require_disjoint_from_params(info.Env(), fn, "x", x, (size_t)n * net_->input_count());
    return x;
  }

  const int32_t* labels_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, int n) {
    const int32_t* labels = i32_arg(info, fn, i, "labels", (size_t)n);
    for (int k = 0; k < n; ++k)
      if (labels[k] < 0 || labels[k] >= net_->classes())
        throw_range(info.Env(), fn,
                    "labels[" + std::to_string(k) + "] = " + std::to_string(labels[k]) +
                        " is outside [0, classes = " + std::to_string(net_->classes()) + ")");
    return labels;
  }

  float* probs_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, int n, const float* x) {
    size_t count = (size_t)n * net_->classes();
    float* probs = f32_arg(info, fn, i, "probs", count);
    require_disjoint_from_params(info.Env(), fn, "probs", probs, count);
    require_disjoint(info.Env(), fn, "probs", probs, count, "x", x, (size_t)n * net_->input_count());
    return probs;
  }

  int n_arg(const Napi::CallbackInfo& info, const char* fn, size_t i) {
    return int_arg(info, fn, i, "n", 1, net_->max_batch());
  }

  void require_disjoint_from_params(Napi::Env env, const char* fn, const char* name, const float* p, size_t count) {
    size_t pc = net_->param_count();
    require_disjoint(env, fn, name, p, count, "params", params_.Value().Data(), pc);
    require_disjoint(env, fn, name, p, count, "grads", grads_.Value().Data(), pc);
    require_disjoint(env, fn, name, p, count, "velocity", velocity_.Value().Data(), pc);
    if (second_moment_data_) require_disjoint(env, fn, name, p, count, "secondMoment", second_moment_data_, pc);
  }

  // The network works in the JS arrays through raw pointers: refuse to run if one of them
  // was detached (transferred) since construction.
  void require_arrays_intact(Napi::Env env, const char* fn) {
    size_t pc = net_->param_count();
    Napi::Float32Array a[3] = {params_.Value(), grads_.Value(), velocity_.Value()};
    bool intact = true;
    for (int k = 0; k < 3; ++k) intact = intact && a[k].ElementLength() == pc && a[k].Data() == data_[k];
    if (!intact) throw Napi::Error::New(env, std::string(fn) + ": params, grads or velocity was detached or resized");
    if (second_moment_data_) {
      Napi::Float32Array v = second_moment_.Value();
      if (v.ElementLength() != pc || v.Data() != second_moment_data_)
        throw Napi::Error::New(env, std::string(fn) + ": secondMoment was detached or resized");
    }
  }

  // Everything a call must pass before it may use the network (after its argument checks).
  // Returns false when busy (the caller rejects).
  bool acquire(Napi::Env env, const char* fn) {
    require_arrays_intact(env, fn);
    if (busy_) return false;
    try {
      net_->ensure_workspace();  // grows only if the global thread count was raised elsewhere
    } catch (const std::bad_alloc&) {
      throw Napi::Error::New(env, std::string(fn) + ": not enough memory for the conv workspace");
    }
    return true;
  }

  cnn::SgdSettings sgd_arg(const Napi::CallbackInfo& info, const char* fn, size_t i) {
    Napi::Object o = object_arg(info, fn, i, "sgd");
    cnn::SgdSettings s;
    s.lr = finite_prop(info.Env(), fn, o, "lr", "sgd.lr");
    s.momentum = finite_prop(info.Env(), fn, o, "momentum", "sgd.momentum");
    s.weight_decay = finite_prop(info.Env(), fn, o, "weightDecay", "sgd.weightDecay");
    if (!(s.lr > 0)) throw_range(info.Env(), fn, "sgd.lr must be > 0");
    if (!(s.momentum >= 0 && s.momentum < 1)) throw_range(info.Env(), fn, "sgd.momentum must be in [0, 1)");
    if (!(s.weight_decay >= 0)) throw_range(info.Env(), fn, "sgd.weightDecay must be >= 0");
    Napi::Value seed = o.Get("seed");
    if (!seed.IsUndefined()) s.seed = uint32_value(info.Env(), fn, seed, "sgd.seed");
    optimizer_props(info.Env(), fn, o, s);
    return s;
  }

  // optimizer: "sgd" (default) or "adamw" with beta1, beta2, eps and step (momentum is then unused).
  void optimizer_props(Napi::Env env, const char* fn, Napi::Object o, cnn::SgdSettings& s) {
    Napi::Value kind = o.Get("optimizer");
    if (kind.IsUndefined()) return;
    std::string name = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
    if (name == "sgd") return;
    if (name != "adamw") throw_type(env, fn, "sgd.optimizer must be \"sgd\" or \"adamw\"");
    if (!second_moment_data_)
      throw_range(env, fn, "sgd.optimizer \"adamw\" needs the network built with a secondMoment array");
    s.optimizer = cnn::Optimizer::AdamW;
    s.beta1 = finite_prop(env, fn, o, "beta1", "sgd.beta1");
    s.beta2 = finite_prop(env, fn, o, "beta2", "sgd.beta2");
    s.eps = finite_prop(env, fn, o, "eps", "sgd.eps");
    if (!(s.beta1 >= 0 && s.beta1 < 1)) throw_range(env, fn, "sgd.beta1 must be in [0, 1)");
    if (!(s.beta2 >= 0 && s.beta2 < 1)) throw_range(env, fn, "sgd.beta2 must be in [0, 1)");
    if (!(s.eps > 0)) throw_range(env, fn, "sgd.eps must be > 0");
    Napi::Value step = o.Get("step");
    if (!step.IsNumber()) throw_type(env, fn, "sgd.step must be a number");
    double t = step.As<Napi::Number>().DoubleValue();
    if (!(t >= 1 && t <= 9007199254740991.0 && std::floor(t) == t))
      throw_range(env, fn, "sgd.step must be an integer >= 1");
    s.step = (int64_t)t;
  }

  static float finite_prop(Napi::Env env, const char* fn, Napi::Object o, const char* key, const char* label) {
    Napi::Value v = o.Get(key);
    if (!v.IsNumber()) throw_type(env, fn, std::string(label) + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) throw_range(env, fn, std::string(label) + " must be finite");
    return (float)d;
  }

  // Queues a step; the labels (if any) are copied into native memory so JS cannot change
  // them under the worker. Returns the promise.
  Napi::Value queue(const Napi::CallbackInfo& info, const char* fn, StepArgs args, const int32_t* labels,
                    std::vector<Napi::Value> keep) {
    Napi::Env env = info.Env();
    if (!acquire(env, fn)) return rejected(env, kBusy);
    if (labels) {
      std::copy(labels, labels + args.n, labels_.begin());
      args.labels = labels_.data();
    }
    keep.push_back(Value());  // the Network object itself stays alive while the worker runs
    busy_ = true;
    return StepWorker::Start(env, this, args, keep);  // clears busy_ itself if queueing fails
  }

  static Napi::Value rejected(Napi::Env env, const char* message) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
    d.Reject(Napi::Error::New(env, message).Value());
    return d.Promise();
  }

  Napi::Value TrainStep(const Napi::CallbackInfo& info) {
    const char* fn = "trainStep";
    require_args(info, fn, 4);
    int n = n_arg(info, fn, 2);
    StepArgs a{StepKind::Train, x_arg(info, fn, 0, n), nullptr, nullptr, n, sgd_arg(info, fn, 3), 0};
    return queue(info, fn, a, labels_arg(info, fn, 1, n), {info[0]});
  }

  Napi::Value ComputeGradients(const Napi::CallbackInfo& info) {
    const char* fn = "computeGradients";
    if (info.Length() != 3 && info.Length() != 4)
      throw_type(info.Env(), fn, "expected 3 or 4 arguments, got " + std::to_string(info.Length()));
    int n = n_arg(info, fn, 2);
    // The optional seed of this step's random choices (dropout masks); default 0.
    uint32_t seed = info.Length() == 4 && !info[3].IsUndefined() ? uint32_value(info.Env(), fn, info[3], "seed") : 0;
    StepArgs a{StepKind::Gradients, x_arg(info, fn, 0, n), nullptr, nullptr, n, {}, seed};
    return queue(info, fn, a, labels_arg(info, fn, 1, n), {info[0]});
  }

  Napi::Value Forward(const Napi::CallbackInfo& info) {
    const char* fn = "forward";
    require_args(info, fn, 3);
    int n = n_arg(info, fn, 1);
    float* x = x_arg(info, fn, 0, n);
    StepArgs a{StepKind::Forward, x, nullptr, probs_arg(info, fn, 2, n, x), n, {}, 0};
    return queue(info, fn, a, nullptr, {info[0], info[2]});
  }

  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    const char* fn = "evaluate";
    require_args(info, fn, 4);
    int n = n_arg(info, fn, 2);
    float* x = x_arg(info, fn, 0, n);
    StepArgs a{StepKind::Evaluate, x, nullptr, probs_arg(info, fn, 3, n, x), n, {}, 0};
    return queue(info, fn, a, labels_arg(info, fn, 1, n), {info[0], info[3]});
  }

  void ApplyUpdate(const Napi::CallbackInfo& info) {
    const char* fn = "applyUpdate";
    require_args(info, fn, 1);
    cnn::SgdSettings sgd = sgd_arg(info, fn, 0);
    require_arrays_intact(info.Env(), fn);
    if (busy_) throw Napi::Error::New(info.Env(), kBusy);
    net_->apply_update(sgd);
  }

  void SetThreads(const Napi::CallbackInfo& info) {
    const char* fn = "setThreads";
    require_args(info, fn, 1);
    int threads = int_arg(info, fn, 0, "n", 1, 256);
    if (busy_) throw Napi::Error::New(info.Env(), kBusy);
    if (network_steps_running() > 0)
      throw Napi::Error::New(info.Env(), "setThreads: another network's step is running; change threads between steps");
    try {
      net_->set_threads(threads);
    } catch (const std::bad_alloc&) {
      throw Napi::Error::New(info.Env(), "setThreads: not enough memory for the conv workspace");
    }
  }

  // The MPI addon's stepCollectives() handle, or nullptr for null. It is an External whose
  // first field must carry the layout version this addon was built with: anything else is
  // refused, never dereferenced further.
  const cnn::CrossProcess* cross_process_arg(const Napi::CallbackInfo& info, const char* fn, size_t i) {
    if (info[i].IsNull()) return nullptr;
    if (!info[i].IsExternal()) throw_type(info.Env(), fn, "handle must be the MPI addon's stepCollectives() or null");
    const auto* p = static_cast<const cnn::CrossProcess*>(info[i].As<Napi::External<void>>().Data());
    if (!p || p->version != cnn::kCrossProcessVersion || !p->sum || !p->start_float_sum || !p->finish_float_sums)
      throw_type(info.Env(), fn,
                 "handle is not a step-collectives handle of this version of cnn (rebuild both addons)");
    return p;
  }

  // setBatchNormSync(handle | null): synchronized batch norm through the handle; null turns
  // it off. Returns how many batchnorm layers it applies to.
  Napi::Value SetBatchNormSync(const Napi::CallbackInfo& info) {
    const char* fn = "setBatchNormSync";
    require_args(info, fn, 1);
    if (busy_) throw Napi::Error::New(info.Env(), kBusy);
    const cnn::CrossProcess* sync = cross_process_arg(info, fn, 0);
    int count = net_->set_batch_norm_sync(sync);
    return Napi::Number::New(info.Env(), sync ? count : 0);
  }

  // setGradientExchange(handle | null, scale, bucketFloats): from the next computeGradients
  // on, gradient buckets of about bucketFloats are summed across processes (times scale)
  // during the backward pass; null turns it off. Returns false when the network's parameter
  // layout does not allow buckets (nothing changes).
  Napi::Value SetGradientExchange(const Napi::CallbackInfo& info) {
    const char* fn = "setGradientExchange";
    require_args(info, fn, 3);
    if (busy_) throw Napi::Error::New(info.Env(), kBusy);
    const cnn::CrossProcess* exchange = cross_process_arg(info, fn, 0);
    if (!info[1].IsNumber()) throw_type(info.Env(), fn, "scale must be a number");
    const double scale = info[1].As<Napi::Number>().DoubleValue();
    if (!(scale > 0 && scale <= 1))
      throw_range(info.Env(), fn, "scale must be in (0, 1], got " + std::to_string(scale));
    const int bucket = int_arg(info, fn, 2, "bucketFloats", 1, 1 << 30);
    return Napi::Boolean::New(info.Env(), net_->set_gradient_exchange(exchange, (float)scale, (size_t)bucket));
  }

  // Per-layer timing (cnn bench --profile). Both refuse while a step runs: the totals are
  // written by the worker thread.
  void SetProfiling(const Napi::CallbackInfo& info) {
    const char* fn = "setProfiling";
    require_args(info, fn, 1);
    if (!info[0].IsBoolean()) throw_type(info.Env(), fn, "on must be a boolean");
    if (busy_) throw Napi::Error::New(info.Env(), kBusy);
    net_->set_profiling(info[0].As<Napi::Boolean>().Value());
  }

  Napi::Value Profile(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    require_args(info, "profile", 0);
    if (busy_) throw Napi::Error::New(env, kBusy);
    cnn::StepProfile p = net_->profile();
    Napi::Array layers = Napi::Array::New(env, p.layers.size());
    for (size_t i = 0; i < p.layers.size(); ++i) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", p.layers[i].name);
      o.Set("kind", p.layers[i].kind);
      o.Set("forwardMs", p.layers[i].forward_seconds * 1e3);
      o.Set("backwardMs", p.layers[i].backward_seconds * 1e3);
      if (p.layers[i].fused_into >= 0) o.Set("fusedInto", p.layers[(size_t)p.layers[i].fused_into].name);
      std::string algorithm = net_->layer_algorithm((int)i);
      if (!algorithm.empty()) o.Set("algorithm", algorithm);
      layers[(uint32_t)i] = o;
    }
    Napi::Object r = Napi::Object::New(env);
    r.Set("layers", layers);
    r.Set("lossMs", p.loss_seconds * 1e3);
    r.Set("updateMs", p.update_seconds * 1e3);
    r.Set("steps", (double)p.steps);
    return r;
  }

  // The algorithm each layer's kind chose when the network was built ("" where none).
  Napi::Value LayerAlgorithms(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    require_args(info, "layerAlgorithms", 0);
    Napi::Array out = Napi::Array::New(env, (size_t)net_->layer_count());
    for (int i = 0; i < net_->layer_count(); ++i) out[(uint32_t)i] = net_->layer_algorithm(i);
    return out;
  }

  // Copies a layer's output of the last forward (network_inspect.cpp); never while a step runs.
  void LayerOutput(const Napi::CallbackInfo& info) {
    if (busy_) throw Napi::Error::New(info.Env(), std::string("layerOutput: ") + kBusy);
    copy_layer_output(info, *net_);
  }

  // Per-layer weight-gradient norms of the last backward (network_grad_norms.cpp).
  Napi::Value WeightGradNorms(const Napi::CallbackInfo& info) {
    require_args(info, "weightGradNorms", 0);
    if (busy_) throw Napi::Error::New(info.Env(), std::string("weightGradNorms: ") + kBusy);
    return weight_grad_norms_value(info.Env(), *net_);
  }

  Napi::Value Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), busy_); }

  Napi::Value NativeBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), (double)(net_->native_bytes() + labels_.capacity() * sizeof(int32_t)));
  }

  std::unique_ptr<cnn::Network> net_;
  Napi::Reference<Napi::Float32Array> params_, grads_, velocity_, second_moment_;
  float* data_[3] = {nullptr, nullptr, nullptr};  // where params, grads, velocity were at construction
  float* second_moment_data_ = nullptr;           // where secondMoment was (nullptr: none given)
  std::vector<int32_t> labels_;                   // (max_batch): the running step's labels
  bool busy_ = false;
};

}  // namespace

void register_network(Napi::Env env, Napi::Object exports) { exports.Set("Network", NetworkWrap::Define(env)); }

}  // namespace cnnbind
