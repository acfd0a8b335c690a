// Unpacking of the NetworkOptions object (src/native.ts) into a cnn::NetworkConfig. Every
// field's JS type and range is checked here (TypeError / RangeError naming the field and the
// layer); the consistency of shapes, offsets and sizes is checked by cnn::check_network.
#pragma once
#include <napi.h>

#include "net/network.h"

namespace cnnbind {

// The unpacked options plus the JS arrays the network will work in (kept referenced by the
// caller for the network's lifetime). Weight masks and class weights are copied into the config.
struct NetworkOptions {
  cnn::NetworkConfig config;
  Napi::Float32Array params, grads, velocity;
  Napi::Float32Array second_moment;  // empty (IsEmpty) when the options have none
};

NetworkOptions parse_network_options(Napi::Env env, Napi::Value options);

}  // namespace cnnbind
