#include "binding/network_grad_norms.h"

namespace cnnbind {

Napi::Value weight_grad_norms_value(Napi::Env env, const cnn::Network& net) {
  Napi::Float64Array out = Napi::Float64Array::New(env, (size_t)net.layer_count());
  net.weight_grad_norms(out.Data());
  return out;
}

}  // namespace cnnbind
