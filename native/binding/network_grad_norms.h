// network.weightGradNorms(): per-layer L2 norms of the weight gradients (the metrics log's
// gradNorms), read after a step.
#pragma once
#include <napi.h>

#include "net/network.h"

namespace cnnbind {

// A Float64Array with one value per layer (0 for layers without weights). The caller has
// checked that no step is running (the worker writes the gradients).
Napi::Value weight_grad_norms_value(Napi::Env env, const cnn::Network& net);

}  // namespace cnnbind
