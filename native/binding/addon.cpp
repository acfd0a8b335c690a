// Module entry: registers the Network class (the per-op functions the tests call live in the
// test addon, native/test_addon).
#include <napi.h>

namespace cnnbind {
void register_network(Napi::Env env, Napi::Object exports);  // network_binding.cpp
}  // namespace cnnbind

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  cnnbind::register_network(env, exports);
  return exports;
}

NODE_API_MODULE(cnn, Init)
