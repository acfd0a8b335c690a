// cnn_test.node: the per-op functions the kernel tests and benchmark scripts call one by one
// (test/test-addon.ts), built beside the product addon cnn.node from the same kernels, so the
// product exports only what training needs. Each op is an argument table (op_args.h).
#include <napi.h>

#include <vector>

#include "test_addon/op_args.h"

namespace cnntest {
const std::vector<OpSpec>& layer_ops();   // ops_layers.cpp
const std::vector<OpSpec>& norm_ops();    // ops_norm.cpp
const std::vector<OpSpec>& engine_ops();  // ops_engine.cpp
}  // namespace cnntest

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  cnntest::export_ops(env, exports, cnntest::layer_ops());
  cnntest::export_ops(env, exports, cnntest::norm_ops());
  cnntest::export_ops(env, exports, cnntest::engine_ops());
  return exports;
}

NODE_API_MODULE(cnn_test, Init)
