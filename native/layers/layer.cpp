// The few helpers every kind shares (layer.h).
#include "layers/layer.h"

namespace cnn {

std::string shape_text(const Shape3& s) {
  return "[" + std::to_string(s.c) + ", " + std::to_string(s.h) + ", " + std::to_string(s.w) + "]";
}

std::string Layer::expect_out(const Shape3& want, const char* rule) const {
  if (desc.out_shape == want) return "";
  return "outShape " + shape_text(desc.out_shape) + " should be " + shape_text(want) + " (" + rule + ")";
}

}  // namespace cnn
