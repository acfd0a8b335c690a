#include "layers/window.h"

#include <climits>

namespace cnn {

void Window::parse(LayerOptions& o, const char* kind, bool stride_is_kernel) {
  if (!o.has("kernel")) o.fail_type(std::string("kernel is required for a ") + kind + " layer");
  o.integers("kernel", kernel, 2, 1, INT_MAX);
  stride[0] = stride_is_kernel ? kernel[0] : 1;
  stride[1] = stride_is_kernel ? kernel[1] : 1;
  if (o.has("stride")) o.integers("stride", stride, 2, 1, INT_MAX);
  if (o.has("pad")) o.integers("pad", pad, 2, 0, INT_MAX);
}

std::string Window::check(bool pooling) const {
  if (kernel[0] < 1 || kernel[1] < 1) return "kernel must be >= 1";
  if (stride[0] < 1 || stride[1] < 1) return "stride must be >= 1";
  if (pad[0] < 0 || pad[1] < 0) return "pad must be >= 0";
  if (pooling && (2 * pad[0] > kernel[0] || 2 * pad[1] > kernel[1])) return "pad must be at most half the kernel";
  return "";
}

}  // namespace cnn
