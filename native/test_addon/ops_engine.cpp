// The per-op exports of the GEMM engine and the settings the kernels run under: gemm and its
// bf16 variant, the GEMM (fp32 and bf16) and convolution paths, the thread count, and fmaPeak (the machine's FMA
// ceiling, the yardstick for GEMM speed). The settings are this addon's own: the product addon's networks keep theirs.
#include <napi.h>

#include <vector>

#include "kernels/conv2d_algorithm.h"
#include "kernels/conv2d_direct.h"
#include "kernels/fma_peak.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"
#include "kernels/threads.h"
#include "test_addon/op_args.h"

namespace cnntest {

namespace {

// c = alpha * op(a) op(b) + beta * c, all densely packed: a is (m, k), or (k, m) when
// transA; b is (k, n), or (n, k) when transB; c is (m, n).
Napi::Value gemm(const Args& a) {
  const bool ta = a.flag(0), tb = a.flag(1);
  const int m = a.integer(2), n = a.integer(3), k = a.integer(4);
  cnn::sgemm(ta, tb, m, n, k, a.number(5), a.f32(6), ta ? m : k, a.f32(7), tb ? k : n, a.number(8), a.f32(9), n);
  return a.env().Undefined();
}

// gemm with every element of a and b rounded to bfloat16 and fp32 sums (gemm_bf16.h).
Napi::Value gemm_bf16(const Args& a) {
  const bool ta = a.flag(0), tb = a.flag(1);
  const int m = a.integer(2), n = a.integer(3), k = a.integer(4);
  cnn::sgemm_bf16(ta, tb, m, n, k, a.number(5), a.f32(6), ta ? m : k, a.f32(7), tb ? k : n, a.number(8), a.f32(9), n);
  return a.env().Undefined();
}

Napi::Value gemm_bf16_path(const Args& a) { return Napi::String::New(a.env(), cnn::gemm_bf16_path()); }

// Returns false when this machine cannot run the path.
Napi::Value set_gemm_bf16_path(const Args& a) {
  return Napi::Boolean::New(a.env(), cnn::set_gemm_bf16_path(a.text(0).c_str()));
}

Napi::Value gemm_path(const Args& a) { return Napi::String::New(a.env(), cnn::gemm_path()); }

// Returns false when this CPU cannot run the path.
Napi::Value set_gemm_path(const Args& a) { return Napi::Boolean::New(a.env(), cnn::set_gemm_path(a.text(0).c_str())); }

Napi::Value conv_path(const Args& a) { return Napi::String::New(a.env(), cnn::conv_path()); }

// Returns false for names other than the paths conv2d_direct.h lists.
Napi::Value set_conv_path(const Args& a) { return Napi::Boolean::New(a.env(), cnn::set_conv_path(a.text(0).c_str())); }

Napi::Value op_precision(const Args& a) { return Napi::String::New(a.env(), cnn::conv_precision()); }

// The precision of the per-op convolutions and dense layers: "fp32" or "bf16" (false for another name).
Napi::Value set_op_precision(const Args& a) {
  return Napi::Boolean::New(a.env(), cnn::set_conv_precision(a.text(0).c_str()));
}

Napi::Value set_threads(const Args& a) {
  cnn::set_num_threads(a.integer(0));
  return a.env().Undefined();
}

Napi::Value get_threads(const Args& a) { return Napi::Number::New(a.env(), cnn::num_threads()); }

// GFLOP/s of independent FMA chains on the widest vectors the CPU has, run for about
// `seconds` on `threads` threads.
Napi::Value fma_peak(const Args& a) {
  return Napi::Number::New(a.env(), cnn::fma_peak_gflops(a.integer(0), a.number(1)));
}

}  // namespace

const std::vector<OpSpec>& engine_ops() {
  static const std::vector<OpSpec> ops = {
      {"gemm",
       {boolean("transA"), boolean("transB"), integer("m", 0, INT32_MAX), integer("n", 0, INT32_MAX),
        integer("k", 0, INT32_MAX), number("alpha", kFinite), f32("a", "m*k"), f32("b", "k*n"), number("beta", kFinite),
        f32_out("c", "m*n")},
       gemm},
      {"gemmBf16",
       {boolean("transA"), boolean("transB"), integer("m", 0, INT32_MAX), integer("n", 0, INT32_MAX),
        integer("k", 0, INT32_MAX), number("alpha", kFinite), f32("a", "m*k"), f32("b", "k*n"), number("beta", kFinite),
        f32_out("c", "m*n")},
       gemm_bf16},
      {"gemmBf16Path", {}, gemm_bf16_path},
      {"setGemmBf16Path", {string("name")}, set_gemm_bf16_path},
      {"gemmPath", {}, gemm_path},
      {"setGemmPath", {string("name")}, set_gemm_path},
      {"convPath", {}, conv_path},
      {"setConvPath", {string("name")}, set_conv_path},
      {"opPrecision", {}, op_precision},
      {"setOpPrecision", {string("name")}, set_op_precision},
      {"setThreads", {integer("n", 1, 256)}, set_threads},
      {"getThreads", {}, get_threads},
      {"fmaPeak", {integer("threads", 1, 256), number("seconds", kUpToAMinute)}, fma_peak},
  };
  return ops;
}

}  // namespace cnntest
