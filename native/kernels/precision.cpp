// Names of the precisions and the GEMM each multiplies with (see precision.h).
#include "kernels/precision.h"

#include <cstring>

#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"

namespace cnn {

const char* precision_name(Precision p) { return p == Precision::bf16 ? "bf16" : "fp32"; }

bool parse_precision(const char* name, Precision* out) {
  if (!name) return false;
  if (std::strcmp(name, "fp32") == 0) {
    *out = Precision::fp32;
    return true;
  }
  if (std::strcmp(name, "bf16") == 0) {
    *out = Precision::bf16;
    return true;
  }
  return false;
}

GemmFn gemm_of(Precision p) { return p == Precision::bf16 ? sgemm_bf16 : sgemm; }
GemmFn serial_gemm_of(Precision p) { return p == Precision::bf16 ? sgemm_bf16_serial : sgemm_serial; }

}  // namespace cnn
