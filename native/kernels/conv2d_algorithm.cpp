// The convolution algorithm rule. Chosen from timings of batch 64 on this project's layer
// shapes, at one and two threads (scripts/conv-bench.js --conv-paths gemm,implicit,direct).
//
// Direct: every kernel larger than 1x1 that the direct kernels support (stride 1 or 2, up to
// 11x11; backward-data at stride 2 as one stride-1 convolution per output phase, which beat
// im2col on resnet's strided 3x3 layers), for all three ops, within the shapes measured (up to
// 1728 taps and 192 filters; wider layers keep the GEMM paths until measured). Their tiles keep filters (forward,
// backward-data) or filter taps (backward-weights) in registers for one or two blocks of 16
// channels and broadcast each input value once to all the FMAs that read it, with no column
// matrix to write or pack; they measured fastest or level on every such layer of the zoo,
// except backward-data with fewer than 4 input channels and more than 16 filters (a first
// layer of 3 channels: its gradient over 32 or 64 filters is faster through col2im). 1x1
// kernels stay on the GEMM paths (their column matrix is the input itself).
//
// Implicit GEMM, where the direct path is not taken: forward from 32 taps up (level for a
// 3x3 over 3 channels; slower for 1x1, where im2col is cheap and every run is one float);
// backward-data when C >= OC (with C < OC the transposed GEMM is short and deep, where
// im2col's is tall, and with a handful of channels much slower).
//
// bf16: forward and backward-data take the direct kernels on channel pairs where the fp32
// rule would, from 4 input channels (and forward over fewer with 3x3 filters: a first
// layer's 5x5 over 1 or 3 channels is faster as the implicit GEMM); elsewhere forward takes
// the implicit GEMM at any number of taps (not 1x1: a first layer's 27 taps run faster
// implicit than im2col), backward-data the implicit GEMM from 16 input channels whatever OC
// (its micro-kernel splits short row blocks into even tiles). Backward-weights takes the bf16
// direct kernel for 3x3 filters at stride 1 or 2 over rows of 8 outputs or more (a first
// layer's 1 or 3 channels included; over rows of 4 the implicit GEMM is faster; at stride 2
// level with it on two threads for resnet's 32 -> 64 layer, faster elsewhere), elsewhere the
// implicit GEMM wherever it has one except for 1x1 filters (strided ones: their runs of
// pixels are too short to pay).
#include "kernels/conv2d_algorithm.h"

#include <atomic>
#include <cstring>

#include "kernels/conv2d_direct.h"
#include "kernels/conv2d_implicit.h"

namespace cnn {
namespace {

// The layers the rule was measured on: up to 1728 taps (C*KH*KW) and 192 filters, or 5x5
// and larger filters over rows of 15 or more outputs, at any channel count.
bool measured_direct(const Conv2dShape& s) {
  const int taps = s.c * s.kh * s.kw;
  if (s.kh * s.kw >= 25 && s.ow >= 15) return true;
  return s.kh * s.kw > 1 && taps <= 1728 && s.oc <= 192;
}

bool direct_forward(const Conv2dShape& s, ConvPathSetting p) {
  if (p == ConvPathSetting::gemm || p == ConvPathSetting::implicit) return false;
  return direct_supported(s) && (p == ConvPathSetting::direct || measured_direct(s));
}

bool direct_backward_data(const Conv2dShape& s, ConvPathSetting p) {
  if (p == ConvPathSetting::gemm || p == ConvPathSetting::implicit) return false;
  if (!direct_backward_data_supported(s)) return false;
  if (p == ConvPathSetting::direct) return true;
  return measured_direct(s) && (s.c >= 4 || s.oc <= 16);
}

bool implicit(const Conv2dShape& s, ConvPathSetting p, bool forward) {
  if (p == ConvPathSetting::gemm) return false;
  const bool supported = forward ? implicit_forward_supported(s) : implicit_backward_data_supported(s);
  if (!supported || p == ConvPathSetting::implicit) return supported;
  if (s.kh * s.kw == 1) return false;
  return forward ? s.c * s.kh * s.kw >= 32 : s.c >= s.oc;
}

std::atomic<int>& per_op_setting() {
  static std::atomic<int> setting{(int)ConvPathSetting::automatic};
  return setting;
}

std::atomic<int>& per_op_precision() {
  static std::atomic<int> precision{(int)Precision::fp32};
  return precision;
}

const char* const kSettingNames[] = {"auto", "gemm", "implicit", "direct"};

}  // namespace

ConvAlgorithms choose_conv_algorithms(const Conv2dShape& s, ConvPathSetting setting, Precision precision) {
  ConvAlgorithms a;
  a.precision = precision;
  if (precision == Precision::bf16) {
    // Forward: implicit also below 32 taps (a first layer's 3 channels), where bf16's panels
    // written from the image beat im2col's fp32 column matrix packed again; not for 1x1.
    if (setting != ConvPathSetting::gemm && implicit_forward_supported(s) &&
        (s.kh * s.kw > 1 || setting == ConvPathSetting::implicit))
      a.forward = ConvAlgorithm::implicit;
    if (implicit(s, setting, false) ||
        (setting != ConvPathSetting::gemm && s.c >= 16 && s.kh * s.kw > 1 && implicit_backward_data_supported(s)))
      a.backward_data = ConvAlgorithm::implicit;
    if (setting != ConvPathSetting::gemm && implicit_backward_weights_supported(s) &&
        (s.kh * s.kw > 1 || setting == ConvPathSetting::implicit))
      a.backward_weights = ConvAlgorithm::implicit;
    // Direct forward and backward-data on channel pairs: from 4 channels, and forward over
    // fewer channels with 3x3 filters (a first layer's 5x5 over 1 or 3 channels is faster as
    // the implicit GEMM).
    const bool direct_setting = setting == ConvPathSetting::direct;
    if (direct_forward(s, setting) && (direct_setting || s.c >= 4 || s.kh * s.kw <= 9))
      a.forward = ConvAlgorithm::direct;
    if (direct_backward_data(s, setting) && (direct_setting || s.c >= 4)) a.backward_data = ConvAlgorithm::direct;
    // Backward-weights (3x3, stride 1 or 2): over rows of 8 outputs or more, at any channel count.
    if (direct_forward(s, setting) && direct_bf16_backward_weights_supported(s) && (direct_setting || s.ow >= 8))
      a.backward_weights = ConvAlgorithm::direct;
    return a;
  }
  if (direct_forward(s, setting))
    a.forward = ConvAlgorithm::direct;
  else if (implicit(s, setting, true))
    a.forward = ConvAlgorithm::implicit;
  if (direct_backward_data(s, setting))
    a.backward_data = ConvAlgorithm::direct;
  else if (implicit(s, setting, false))
    a.backward_data = ConvAlgorithm::implicit;
  if (direct_forward(s, setting)) a.backward_weights = ConvAlgorithm::direct;
  return a;
}

const char* conv_algorithm_name(ConvAlgorithm a) {
  switch (a) {
    case ConvAlgorithm::implicit: return "implicit";
    case ConvAlgorithm::direct: return "direct";
    default: return "im2col";
  }
}

std::string conv_algorithms_text(const ConvAlgorithms& a) {
  std::string text = std::string(conv_algorithm_name(a.forward)) + "/" + conv_algorithm_name(a.backward_data) + "/" +
                     conv_algorithm_name(a.backward_weights);
  return a.precision == Precision::fp32 ? text : text + " " + precision_name(a.precision);
}

const char* conv_path_setting_name(ConvPathSetting p) { return kSettingNames[(int)p]; }

bool parse_conv_path_setting(const char* name, ConvPathSetting* out) {
  for (int k = 0; k < 4; ++k)
    if (name && std::strcmp(name, kSettingNames[k]) == 0) {
      *out = (ConvPathSetting)k;
      return true;
    }
  return false;
}

const char* conv_path() { return kSettingNames[per_op_setting().load(std::memory_order_relaxed)]; }

bool set_conv_path(const char* name) {
  ConvPathSetting p;
  if (!parse_conv_path_setting(name, &p)) return false;
  per_op_setting().store((int)p, std::memory_order_relaxed);
  return true;
}

const char* conv_precision() { return precision_name((Precision)per_op_precision().load(std::memory_order_relaxed)); }

bool set_conv_precision(const char* name) {
  Precision p;
  if (!parse_precision(name, &p)) return false;
  per_op_precision().store((int)p, std::memory_order_relaxed);
  return true;
}

}  // namespace cnn
