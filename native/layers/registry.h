// The table of native layer kinds (registry.cpp), mirroring src/layers/registry.ts: a kind
// name of the JS description maps to the factory of its Layer.
#pragma once
#include <memory>
#include <string>

#include "layers/layer.h"

namespace cnn {

// A new layer of that kind, its `kind` set; nullptr for an unknown name.
std::unique_ptr<Layer> create_layer(const char* kind);
// The known kind names, comma-separated, in table order (for error messages).
std::string layer_kind_names();

}  // namespace cnn
