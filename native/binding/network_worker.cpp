// StepWorker: one network call on a libuv worker thread. C++ exceptions thrown by the step
// (std::bad_alloc included) become a rejected promise, never a crash. The rejection is the
// Error object created when the call was made, so its stack points at the JS caller.
#include <atomic>
#include <new>
#include <stdexcept>
#include <string>

#include "binding/network_worker.h"

#include "binding/compute_thread.h"

namespace cnnbind {
namespace {

std::atomic<int> g_running{0};  // steps queued and not yet settled, in every environment

const char* kind_name(StepKind k) {
  switch (k) {
    case StepKind::Train: return "trainStep";
    case StepKind::Gradients: return "computeGradients";
    case StepKind::Forward: return "forward";
    default: return "evaluate";
  }
}

// Gives the call-time error the final message, keeping the stack frames below its first line.
Napi::Value with_message(Napi::Object error, const std::string& message) {
  error.Set("message", message);
  Napi::Value stack = error.Get("stack");
  if (stack.IsString()) {
    std::string s = stack.As<Napi::String>().Utf8Value();
    size_t nl = s.find('\n');
    error.Set("stack", "Error: " + message + (nl == std::string::npos ? "" : s.substr(nl)));
  }
  return error;
}

}  // namespace

int network_steps_running() { return g_running.load(); }

StepWorker::StepWorker(Napi::Env env, StepOwner* owner, const StepArgs& args, const std::vector<Napi::Value>& keep)
    : Napi::AsyncWorker(env, "cnn:Network"), owner_(owner), args_(args), deferred_(Napi::Promise::Deferred::New(env)) {
  for (const Napi::Value& v : keep) keep_.push_back(Napi::Persistent(v));
  call_error_ = Napi::Persistent(Napi::Error::New(env, "network call failed").Value());
}

Napi::Value StepWorker::Start(Napi::Env env, StepOwner* owner, const StepArgs& args,
                              const std::vector<Napi::Value>& keep) {
  StepWorker* w = nullptr;
  try {
    w = new StepWorker(env, owner, args, keep);
    Napi::Value promise = w->deferred_.Promise();
    w->Queue();
    ++g_running;
    return promise;
  } catch (...) {
    owner->set_idle();
    delete w;
    throw;
  }
}

void StepWorker::Execute() {
  const char* fn = kind_name(args_.kind);
  try {
    cnn::Network& net = owner_->network();
    run_on_compute_thread([&] {  // one OpenMP team for every step (compute_thread.h)
      switch (args_.kind) {
        case StepKind::Train: stats_ = net.train_step(args_.x, args_.labels, args_.n, args_.sgd); break;
        case StepKind::Gradients: stats_ = net.compute_gradients(args_.x, args_.labels, args_.n, args_.seed); break;
        case StepKind::Forward: net.infer(args_.x, args_.n, args_.probs); break;
        case StepKind::Evaluate: stats_ = net.evaluate(args_.x, args_.labels, args_.n, args_.probs); break;
      }
    });
  } catch (const cnn::CrossProcessError& e) {  // another process died or hung (data-parallel)
    error_code_ = e.timed_out() ? "ETIMEDOUT" : "EMPI";
    SetError(std::string(fn) + ": " + e.what());
  } catch (const std::bad_alloc&) {
    SetError(std::string(fn) + ": out of memory");
  } catch (const std::exception& e) {
    SetError(std::string(fn) + ": " + e.what());
  } catch (...) {
    SetError(std::string(fn) + ": unknown native error");
  }
}

void StepWorker::OnOK() {
  --g_running;
  owner_->set_idle();
  Napi::Env env = Env();
  if (args_.kind == StepKind::Forward) {
    deferred_.Resolve(env.Undefined());
    return;
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("loss", Napi::Number::New(env, stats_.loss));
  result.Set("correct", Napi::Number::New(env, stats_.correct));
  deferred_.Resolve(result);
}

void StepWorker::OnError(const Napi::Error& e) {
  --g_running;
  owner_->set_idle();
  Napi::Object error = call_error_.Value();
  if (!error_code_.empty()) error.Set("code", error_code_);
  deferred_.Reject(with_message(error, e.Message()));
}

}  // namespace cnnbind
