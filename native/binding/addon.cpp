// Module entry: registers the per-op functions and the Network class.
#include <napi.h>

namespace cnnbind {
void register_ops(Napi::Env env, Napi::Object exports);      // ops.cpp
void register_gemm_ops(Napi::Env env, Napi::Object exports); // ops_gemm.cpp
void register_norm_ops(Napi::Env env, Napi::Object exports); // ops_norm.cpp
void register_network(Napi::Env env, Napi::Object exports);  // network.cpp
}  // namespace cnnbind

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  cnnbind::register_ops(env, exports);
  cnnbind::register_gemm_ops(env, exports);
  cnnbind::register_norm_ops(env, exports);
  cnnbind::register_network(env, exports);
  return exports;
}

NODE_API_MODULE(cnn, Init)
