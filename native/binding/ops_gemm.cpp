// Per-op exports of the GEMM engine and the settings it runs under: gemm, gemmPath,
// setGemmPath, setThreads, getThreads and fmaPeak (the machine's FMA ceiling, the yardstick
// for GEMM speed). Kept apart from ops.cpp so the two can change independently.
#include <napi.h>
#include <cstdint>
#include <string>
#include "binding/checks.h"
#include "binding/guarded.h"
#include "binding/network_worker.h"
#include "kernels/conv2d_direct.h"
#include "kernels/fma_peak.h"
#include "kernels/gemm.h"
#include "kernels/threads.h"

namespace cnnbind {

static constexpr int64_t kMaxDim = INT32_MAX;

// gemm(transA, transB, m, n, k, alpha, a, b, beta, c): c = alpha * op(a) op(b) + beta * c,
// all densely packed: a is (m, k) or (k, m) when transA, b is (k, n) or (n, k), c is (m, n).
static Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const char* fn = "gemm";
  require_args(info, fn, 10);
  bool ta = bool_arg(info, fn, 0, "transA");
  bool tb = bool_arg(info, fn, 1, "transB");
  int m = int_arg(info, fn, 2, "m", 0, kMaxDim);
  int n = int_arg(info, fn, 3, "n", 0, kMaxDim);
  int k = int_arg(info, fn, 4, "k", 0, kMaxDim);
  float alpha = finite_arg(info, fn, 5, "alpha");
  size_t mk = (size_t)m * k, kn = (size_t)k * n, mn = (size_t)m * n;
  if (mk > (size_t)kMaxDim || kn > (size_t)kMaxDim || mn > (size_t)kMaxDim)
    throw_range(info.Env(), fn, "m*k, k*n and m*n must each be below 2^31 elements");
  const float* a = f32_arg(info, fn, 6, "a", mk);
  const float* b = f32_arg(info, fn, 7, "b", kn);
  float beta = finite_arg(info, fn, 8, "beta");
  float* c = f32_arg(info, fn, 9, "c", mn);
  require_disjoint(info.Env(), fn, "c", c, mn, "a", a, mk);
  require_disjoint(info.Env(), fn, "c", c, mn, "b", b, kn);
  cnn::sgemm(ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
  return info.Env().Undefined();
}

static Napi::Value GemmPath(const Napi::CallbackInfo& info) {
  require_args(info, "gemmPath", 0);
  return Napi::String::New(info.Env(), cnn::gemm_path());
}

// The thread count and GEMM path are global: a network step running on a worker thread
// sized its workspace for them, so they may only change between steps.
static void require_no_step_running(Napi::Env env, const char* fn) {
  if (network_steps_running() > 0)
    throw Napi::Error::New(env, std::string(fn) + ": a network step is running; call it between steps");
}

static Napi::Value SetGemmPath(const Napi::CallbackInfo& info) {
  require_args(info, "setGemmPath", 1);
  if (!info[0].IsString()) throw_type(info.Env(), "setGemmPath", "name must be a string");
  require_no_step_running(info.Env(), "setGemmPath");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(info.Env(), cnn::set_gemm_path(name.c_str()));
}

// convPath() / setConvPath(name): the convolution path, "auto" (measured thresholds), "gemm"
// or "direct" (conv2d_direct.h); CNN_CONV_PATH sets it at start-up.
static Napi::Value ConvPath(const Napi::CallbackInfo& info) {
  require_args(info, "convPath", 0);
  return Napi::String::New(info.Env(), cnn::conv_path());
}

static Napi::Value SetConvPath(const Napi::CallbackInfo& info) {
  require_args(info, "setConvPath", 1);
  if (!info[0].IsString()) throw_type(info.Env(), "setConvPath", "name must be a string");
  require_no_step_running(info.Env(), "setConvPath");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(info.Env(), cnn::set_conv_path(name.c_str()));
}

static Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  require_args(info, "setThreads", 1);
  int n = int_arg(info, "setThreads", 0, "n", 1, 256);
  require_no_step_running(info.Env(), "setThreads");
  cnn::set_num_threads(n);
  return info.Env().Undefined();
}

static Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  require_args(info, "getThreads", 0);
  return Napi::Number::New(info.Env(), cnn::num_threads());
}

// fmaPeak(threads, seconds): GFLOP/s of independent FMA chains on the widest vectors the
// CPU has, run for about `seconds` on `threads` threads.
static Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  const char* fn = "fmaPeak";
  require_args(info, fn, 2);
  int threads = int_arg(info, fn, 0, "threads", 1, 256);
  if (!info[1].IsNumber()) throw_type(info.Env(), fn, "seconds must be a number");
  double seconds = info[1].As<Napi::Number>().DoubleValue();
  if (!(seconds > 0 && seconds <= 60)) throw_range(info.Env(), fn, "seconds must be in (0, 60]");
  return Napi::Number::New(info.Env(), cnn::fma_peak_gflops(threads, seconds));
}

void register_gemm_ops(Napi::Env env, Napi::Object exports) {
  export_function<Gemm>(env, exports, "gemm");
  export_function<GemmPath>(env, exports, "gemmPath");
  export_function<SetGemmPath>(env, exports, "setGemmPath");
  export_function<ConvPath>(env, exports, "convPath");
  export_function<SetConvPath>(env, exports, "setConvPath");
  export_function<SetThreads>(env, exports, "setThreads");
  export_function<GetThreads>(env, exports, "getThreads");
  export_function<FmaPeak>(env, exports, "fmaPeak");
}

}  // namespace cnnbind
