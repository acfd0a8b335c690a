// network.layerOutput(layer, n, out): see network_inspect.h. A copy rather than a view, so
// the next step cannot change what JS holds.
#include "binding/network_inspect.h"

#include <algorithm>
#include <string>

#include "binding/checks.h"

namespace cnnbind {

void copy_layer_output(const Napi::CallbackInfo& info, const cnn::Network& net) {
  const char* fn = "layerOutput";
  require_args(info, fn, 3);
  if (net.layer_count() == 0) throw_range(info.Env(), fn, "the network has no layers");
  int layer = int_arg(info, fn, 0, "layer", 0, net.layer_count() - 1);
  int n = int_arg(info, fn, 1, "n", 1, net.max_batch());
  size_t per_image = net.layer_out_shape(layer).count();
  float* out = f32_arg(info, fn, 2, "out", (size_t)n * per_image);
  const float* src = net.layer_output(layer);
  std::copy(src, src + (size_t)n * per_image, out);
}

}  // namespace cnnbind
