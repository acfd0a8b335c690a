// cnn_mpi.node: the MPI side of data-parallel training (cnn train --distributed), a small
// addon of its own so the main addon (cnn.node) never links MPI and builds without it.
// It works on the trainer's own typed arrays (the flat gradient array the network writes),
// so it needs nothing from the network. Every call is synchronous on the JS main thread;
// collectives take a timeout in seconds and throw an Error with code 'ETIMEDOUT' (err.peer:
// the rank waited on) or 'EMPI' instead of hanging. The one exception is stepCollectives():
// a handle through which the network sums batch-norm statistics and gradient buckets across
// ranks in the middle of a step, on a thread of this addon (see kernels/cross_process.h and
// step_collectives.h).
#include <napi.h>

#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "distributed/collectives.h"
#include "distributed/mpi_session.h"
#include "distributed/step_collectives.h"
#include "kernels/cross_process.h"

namespace {

void require(bool ok, Napi::Env env, const std::string& fn, const std::string& msg) {
  if (!ok) throw Napi::TypeError::New(env, fn + ": " + msg);
}

void require_started(Napi::Env env, const char* fn) {
  if (!cnnmpi::session_started()) throw Napi::Error::New(env, std::string(fn) + ": call start() first");
}

double timeout_arg(const Napi::CallbackInfo& info, const char* fn, size_t i) {
  require(info.Length() > i && info[i].IsNumber(), info.Env(), fn, "timeoutSeconds must be a number");
  double t = info[i].As<Napi::Number>().DoubleValue();
  if (!(t > 0 && std::isfinite(t)))
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": timeoutSeconds must be > 0");
  return t;
}

// The collective message of a failed result, as throw_unless_ok words it.
std::string describe_failure(const cnnmpi::CollectiveResult& r, double timeout) {
  if (r.status == cnnmpi::CollectiveStatus::TimedOut)
    return "no answer from " + (r.peer >= 0 ? "rank " + std::to_string(r.peer) : std::string("every rank")) +
           " within " + std::to_string((long)std::lround(timeout)) + " s";
  return "failed: " + r.what;
}

void throw_unless_ok(Napi::Env env, const char* what, const cnnmpi::CollectiveResult& r, double timeout) {
  if (r.status == cnnmpi::CollectiveStatus::Ok) return;
  Napi::Error e = Napi::Error::New(env, "");
  const bool timed_out = r.status == cnnmpi::CollectiveStatus::TimedOut;
  e.Set("message", Napi::String::New(env, std::string(what) + (timed_out ? ": " : " ") + describe_failure(r, timeout)));
  e.Set("code", Napi::String::New(env, timed_out ? "ETIMEDOUT" : "EMPI"));
  if (timed_out) e.Set("peer", Napi::Number::New(env, r.peer));
  throw e;
}

// The collectives the network runs during a step (kernels/cross_process.h), all on the
// step-collectives thread (step_collectives.h), in the order they are asked for, with the
// run's collective timeout: synchronized batch norm's sums (waited for) and the gradient
// buckets of the backward pass (summed in the background).
struct StepContext {
  double timeout_seconds = 120;
};
StepContext g_step_context;

int report(const cnnmpi::CollectiveResult& r, double timeout, char* error, size_t error_size) {
  if (r.status == cnnmpi::CollectiveStatus::Ok) return 0;
  std::snprintf(error, error_size, "%s", describe_failure(r, timeout).c_str());
  return r.status == cnnmpi::CollectiveStatus::TimedOut ? 1 : 2;
}

int step_sum_doubles(void* ctx, double* data, size_t count, char* error, size_t error_size) {
  const double timeout = static_cast<StepContext*>(ctx)->timeout_seconds;
  return report(cnnmpi::step_sum(data, count, timeout), timeout, error, error_size);
}

void step_start_float_sum(void* ctx, float* data, size_t count, float scale) {
  cnnmpi::start_step_sum(data, count, scale, static_cast<StepContext*>(ctx)->timeout_seconds);
}

int step_finish_float_sums(void* ctx, char* error, size_t error_size) {
  return report(cnnmpi::finish_step_sums(), static_cast<StepContext*>(ctx)->timeout_seconds, error, error_size);
}

const cnn::CrossProcess g_step_collectives{cnn::kCrossProcessVersion, step_sum_doubles, step_start_float_sum,
                                           step_finish_float_sums, &g_step_context};

Napi::Value Start(const Napi::CallbackInfo& info) {
  cnnmpi::SessionInfo s;
  std::string error;
  if (!cnnmpi::start_session(&s, &error)) throw Napi::Error::New(info.Env(), "MPI could not start: " + error);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("rank", s.rank);
  o.Set("size", s.size);
  o.Set("threadLevel", s.thread_level);
  o.Set("processor", s.processor);
  o.Set("library", s.library);
  return o;
}

// allreduceSum(buf: Float32Array | Float64Array, scale: number, timeoutSeconds: number):
// buf = sum over ranks of (scale * buf), in place, bitwise the same on every rank.
Napi::Value AllreduceSum(const Napi::CallbackInfo& info) {
  const char* fn = "allreduceSum";
  Napi::Env env = info.Env();
  require_started(env, fn);
  require(info.Length() == 3, env, fn, "expected (buf, scale, timeoutSeconds)");
  require(info[0].IsTypedArray(), env, fn, "buf must be a Float32Array or Float64Array");
  require(info[1].IsNumber(), env, fn, "scale must be a number");
  double scale = info[1].As<Napi::Number>().DoubleValue();
  double timeout = timeout_arg(info, fn, 2);
  Napi::TypedArray t = info[0].As<Napi::TypedArray>();
  cnnmpi::CollectiveResult r;
  if (t.TypedArrayType() == napi_float32_array) {
    Napi::Float32Array a = t.As<Napi::Float32Array>();
    float* p = a.Data();
    size_t n = a.ElementLength();
    if (scale != 1.0) {
      float s = (float)scale;
      for (size_t i = 0; i < n; ++i) p[i] *= s;
    }
    r = cnnmpi::ring_allreduce_sum(p, n, timeout);
  } else if (t.TypedArrayType() == napi_float64_array) {
    Napi::Float64Array a = t.As<Napi::Float64Array>();
    double* p = a.Data();
    size_t n = a.ElementLength();
    if (scale != 1.0)
      for (size_t i = 0; i < n; ++i) p[i] *= scale;
    r = cnnmpi::ring_allreduce_sum(p, n, timeout);
  } else {
    require(false, env, fn, "buf must be a Float32Array or Float64Array");
  }
  throw_unless_ok(env, "allreduce", r, timeout);
  return env.Undefined();
}

// broadcast(buf: Float32Array, root: number, timeoutSeconds: number): root's buf to every rank.
Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  const char* fn = "broadcast";
  Napi::Env env = info.Env();
  require_started(env, fn);
  require(info.Length() == 3, env, fn, "expected (buf, root, timeoutSeconds)");
  require(info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array, env, fn,
          "buf must be a Float32Array");
  require(info[1].IsNumber(), env, fn, "root must be a number");
  Napi::Float32Array a = info[0].As<Napi::Float32Array>();
  double timeout = timeout_arg(info, fn, 2);
  throw_unless_ok(
      env, "broadcast",
      cnnmpi::broadcast_floats(a.Data(), a.ElementLength(), info[1].As<Napi::Number>().Int32Value(), timeout), timeout);
  return env.Undefined();
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  require_started(info.Env(), "barrier");
  double timeout = timeout_arg(info, "barrier", 0);
  throw_unless_ok(info.Env(), "barrier", cnnmpi::barrier(timeout), timeout);
  return info.Env().Undefined();
}

// stepCollectives(timeoutSeconds): the handle for network.setBatchNormSync and
// network.setGradientExchange. Needs MPI started with at least MPI_THREAD_SERIALIZED, since
// the collectives of a step run on a thread of their own.
Napi::Value StepCollectives(const Napi::CallbackInfo& info) {
  const char* fn = "stepCollectives";
  Napi::Env env = info.Env();
  require_started(env, fn);
  require(info.Length() == 1, env, fn, "expected (timeoutSeconds)");
  const double timeout = timeout_arg(info, fn, 0);
  cnnmpi::SessionInfo session;
  std::string error;
  cnnmpi::start_session(&session, &error);  // already started: returns the recorded info
  if (session.thread_level < MPI_THREAD_SERIALIZED)
    throw Napi::Error::New(env, std::string(fn) + ": this MPI library provides thread level " +
                                    std::to_string(session.thread_level) +
                                    " (below MPI_THREAD_SERIALIZED), which collectives during a step need");
  g_step_context.timeout_seconds = timeout;
  return Napi::External<void>::New(env, const_cast<cnn::CrossProcess*>(&g_step_collectives));
}

Napi::Value Finish(const Napi::CallbackInfo& info) {
  cnnmpi::stop_step_collectives();
  cnnmpi::finish_session();
  return info.Env().Undefined();
}

Napi::Value Abort(const Napi::CallbackInfo& info) {
  int code = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  cnnmpi::abort_session(code);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("start", Napi::Function::New(env, Start, "start"));
  exports.Set("allreduceSum", Napi::Function::New(env, AllreduceSum, "allreduceSum"));
  exports.Set("broadcast", Napi::Function::New(env, Broadcast, "broadcast"));
  exports.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  exports.Set("stepCollectives", Napi::Function::New(env, StepCollectives, "stepCollectives"));
  exports.Set("finish", Napi::Function::New(env, Finish, "finish"));
  exports.Set("abort", Napi::Function::New(env, Abort, "abort"));
  return exports;
}

}  // namespace

NODE_API_MODULE(cnn_mpi, Init)
