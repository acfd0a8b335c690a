// Which algorithm runs each of a convolution's three operations: the one rule, applied once
// per convolution layer when the network is built (layers/conv2d.cpp) and recorded there.
// Algorithms: im2col + GEMM (conv2d.cpp; covers every shape), implicit GEMM (the column
// matrix written straight into the GEMM's packed panels, conv2d_implicit.h) and direct
// (small-channel kernels, conv2d_direct.h).
#pragma once
#include "kernels/conv2d.h"
#include "kernels/precision.h"

#include <string>

namespace cnn {

enum class ConvAlgorithm { im2col, implicit, direct };

struct ConvAlgorithms {
  ConvAlgorithm forward = ConvAlgorithm::im2col;
  ConvAlgorithm backward_data = ConvAlgorithm::im2col;
  ConvAlgorithm backward_weights = ConvAlgorithm::im2col;
  // bf16: the GEMMs of the im2col and implicit algorithms round their operands to bf16
  // (precision.h). The direct kernels are fp32 only, so a bf16 layer never runs them.
  Precision precision = Precision::fp32;
};

// automatic: the thresholds measured on this project's layer shapes; gemm: im2col + GEMM
// everywhere; implicit / direct: that algorithm wherever it supports the shape, im2col +
// GEMM elsewhere (a forced "direct" still leaves backward-weights' choice to the rule when
// the shape allows neither).
enum class ConvPathSetting { automatic, gemm, implicit, direct };

// s.n may be any positive batch size: the choice does not depend on it.
ConvAlgorithms choose_conv_algorithms(const Conv2dShape& s, ConvPathSetting setting,
                                      Precision precision = Precision::fp32);

const char* conv_algorithm_name(ConvAlgorithm a);  // "im2col", "implicit", "direct"
// "forward/backward-data/backward-weights", e.g. "direct/direct/im2col" or "im2col/im2col/im2col bf16".
std::string conv_algorithms_text(const ConvAlgorithms& a);
// "auto", "gemm", "implicit", "direct"; parse returns false for any other name.
const char* conv_path_setting_name(ConvPathSetting p);
bool parse_conv_path_setting(const char* name, ConvPathSetting* out);

// The setting the per-op entry points of conv2d.h without an explicit ConvAlgorithms use
// (tests and benchmarks of single operations force a path with it); "auto" at start.
const char* conv_path();
bool set_conv_path(const char* name);  // false for an unknown name
// Their precision likewise ("fp32" at start).
const char* conv_precision();
bool set_conv_precision(const char* name);  // false for an unknown name

}  // namespace cnn
