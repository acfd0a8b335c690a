// Module entry: registers the Network class and kernelPaths() (the per-op functions the tests
// call live in the test addon, native/test_addon).
#include <napi.h>
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"

namespace cnnbind {
void register_network(Napi::Env env, Napi::Object exports);  // network_binding.cpp
}  // namespace cnnbind

// { gemm, gemmBf16 }: the fp32 and bf16 GEMM paths this CPU runs (chosen at first use).
static Napi::Value KernelPaths(const Napi::CallbackInfo& info) {
  Napi::Object paths = Napi::Object::New(info.Env());
  paths.Set("gemm", cnn::gemm_path());
  paths.Set("gemmBf16", cnn::gemm_bf16_path());
  return paths;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  cnnbind::register_network(env, exports);
  exports.Set("kernelPaths", Napi::Function::New(env, KernelPaths, "kernelPaths"));
  return exports;
}

NODE_API_MODULE(cnn, Init)
