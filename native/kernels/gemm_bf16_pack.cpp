// The portable bf16 packer (see Bf16Packer in gemm_bf16_kernel.h): element by element.
#include "kernels/bf16.h"
#include "kernels/gemm_bf16_kernel.h"

namespace cnn {

void bf16_pack_portable(const Bf16Operand& x, int r0, int p0, int rows, int kc, int width, int kc2,
                        Bf16PanelLayout layout, uint16_t* out) {
  auto value = [&](int r, int k) -> uint16_t { return r < rows && k < kc ? float_to_bf16(x.at(r0 + r, p0 + k)) : 0; };
  for (int q = 0; q * width < rows; ++q) {
    uint16_t* panel = out + (size_t)q * width * kc2 * 2;
    for (int i = 0; i < width; ++i) {
      const int r = q * width + i;
      for (int k2 = 0; k2 < kc2; ++k2) {
        const size_t at = layout == Bf16PanelLayout::KMajor ? ((size_t)k2 * width + i) * 2 : ((size_t)i * kc2 + k2) * 2;
        panel[at] = value(r, 2 * k2);
        panel[at + 1] = value(r, 2 * k2 + 1);
      }
    }
  }
}

}  // namespace cnn
