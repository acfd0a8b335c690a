// The AsyncWorker that runs one network call (train step, gradients, forward, evaluate) off
// the main thread and settles a promise. Its inputs are a plain struct of pointers that the
// binding checked; the JS objects behind them stay referenced until the worker finishes.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "net/network.h"

namespace cnnbind {

enum class StepKind { Train, Gradients, Forward, Evaluate };

struct StepArgs {
  StepKind kind;
  const float* x;         // (n, C, H, W)
  const int32_t* labels;  // (n), native copy; nullptr for Forward
  float* probs;           // (n, classes) for Forward / Evaluate, else nullptr
  int n;
  cnn::SgdSettings sgd;  // Train only (its seed is the step's seed)
  uint32_t seed;         // Gradients only: the step's seed (dropout masks)
};

// What the worker needs from the Network object: the engine, and a way to clear busy.
class StepOwner {
 public:
  virtual ~StepOwner() = default;
  virtual cnn::Network& network() = 0;
  virtual void set_idle() = 0;
};

// How many network steps are queued or running, across all networks. The kernels read the
// global thread count at call time and the conv workspace is sized for it, so the thread
// count must not change while this is non-zero (Network.setThreads and ops.setThreads check it).
int network_steps_running();

class StepWorker : public Napi::AsyncWorker {
 public:
  // Queues the worker and returns its promise. `keep` are JS values referenced until it settles.
  // The owner must already be marked busy; on a queueing failure it is set idle again.
  static Napi::Value Start(Napi::Env env, StepOwner* owner, const StepArgs& args, const std::vector<Napi::Value>& keep);

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  StepWorker(Napi::Env env, StepOwner* owner, const StepArgs& args, const std::vector<Napi::Value>& keep);

  StepOwner* owner_;
  StepArgs args_;
  cnn::StepStats stats_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::Reference<Napi::Value>> keep_;
  Napi::ObjectReference call_error_;  // an Error made at call time: its stack is the caller's
  std::string error_code_;            // set on the rejection's error when not empty (ETIMEDOUT, EMPI)
};

}  // namespace cnnbind
