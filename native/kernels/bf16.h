// bfloat16: the top 16 bits of an IEEE float (8 exponent bits, 7 mantissa bits). Floats are
// rounded to it to nearest, ties to even, as AVX512-BF16's vcvtne2ps2bf16 does; NaNs stay
// NaNs (quiet). Widening back is exact.
#pragma once
#include <cstdint>
#include <cstring>

namespace cnn {

inline uint16_t float_to_bf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((bits >> 16) | 0x0040u);  // NaN, made quiet
  const uint32_t rounding = 0x7FFFu + ((bits >> 16) & 1u);
  return (uint16_t)((bits + rounding) >> 16);
}

inline float bf16_to_float(uint16_t h) {
  const uint32_t bits = (uint32_t)h << 16;
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// x rounded to the nearest bfloat16 and widened again: the value a bf16 kernel multiplies.
inline float round_to_bf16(float x) { return bf16_to_float(float_to_bf16(x)); }

}  // namespace cnn
