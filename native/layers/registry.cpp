// The explicit table of native layer kinds. Adding a kind means a file in native/layers/
// that defines its factory and a line here (and its TypeScript side in src/layers/).
#include "layers/registry.h"

#include <cstring>

namespace cnn {

// Each defined in its kind's file.
std::unique_ptr<Layer> make_conv2d();
std::unique_ptr<Layer> make_maxpool();
std::unique_ptr<Layer> make_avgpool();
std::unique_ptr<Layer> make_subsample();
std::unique_ptr<Layer> make_dense();
std::unique_ptr<Layer> make_flatten();
std::unique_ptr<Layer> make_relu();
std::unique_ptr<Layer> make_tanh();
std::unique_ptr<Layer> make_sigmoid();
std::unique_ptr<Layer> make_scaled_tanh();
std::unique_ptr<Layer> make_leaky_relu();
std::unique_ptr<Layer> make_gelu();
std::unique_ptr<Layer> make_batchnorm();
std::unique_ptr<Layer> make_dropout();
std::unique_ptr<Layer> make_add();
std::unique_ptr<Layer> make_lrn();

namespace {

struct KindEntry {
  const char* name;
  std::unique_ptr<Layer> (*make)();
};

const KindEntry kKinds[] = {
    {"conv2d", make_conv2d},
    {"maxpool", make_maxpool},
    {"avgpool", make_avgpool},
    {"subsample", make_subsample},
    {"dense", make_dense},
    {"flatten", make_flatten},
    {"relu", make_relu},
    {"tanh", make_tanh},
    {"sigmoid", make_sigmoid},
    {"scaled-tanh", make_scaled_tanh},
    {"leaky-relu", make_leaky_relu},
    {"gelu", make_gelu},
    {"batchnorm", make_batchnorm},
    {"dropout", make_dropout},
    {"add", make_add},
    {"lrn", make_lrn},
};

}  // namespace

std::unique_ptr<Layer> create_layer(const char* kind) {
  for (const KindEntry& k : kKinds)
    if (std::strcmp(k.name, kind) == 0) {
      std::unique_ptr<Layer> layer = k.make();
      layer->kind = k.name;
      return layer;
    }
  return nullptr;
}

std::string layer_kind_names() {
  std::string names;
  for (const KindEntry& k : kKinds) names += (names.empty() ? "" : ", ") + std::string(k.name);
  return names;
}

}  // namespace cnn
