// What one bf16 GEMM path supplies to the shared driver (gemm_bf16.cpp), as GemmKernel does
// for fp32 (gemm_kernel.h). Packed operands hold bfloat16 values in pairs along K, the layout
// both vdpbf16ps and AMX's tdpbf16ps read:
//   Ap: ceil(mc / MR) panels; panel layout is the path's own (a_layout below).
//   Bp: ceil(nc / NR) panels, each (kc2, NR, 2): for every pair of K rows, NR columns of
//       (B[2k][j], B[2k+1][j]). K is padded with zeros to whole pairs (and to pair_unit pairs).
#pragma once
#include <cstdint>

namespace cnn {

enum class Bf16PanelLayout {
  KMajor,    // (kc2, MR, 2): for every pair of K columns, MR rows of (A[i][2k], A[i][2k+1])
  RowMajor,  // (MR, kc2, 2): row by row, each row's K pairs contiguous (AMX tile rows)
};

// An fp32 operand as the packers read it: X(r, k), where r runs along the panel (rows of A,
// columns of B) and k along K. Either K is contiguous (X(r, k) = data[r * ld + k]: A not
// transposed, B transposed) or r is (X(r, k) = data[k * ld + r]: A transposed, B not).
struct Bf16Operand {
  const float* data;
  int ld;
  bool k_contiguous;
  float at(int r, int k) const { return k_contiguous ? data[(size_t)r * ld + k] : data[(size_t)k * ld + r]; }
};

// Packs X(r0 : r0+rows, p0 : p0+kc) rounded to bf16 into ceil(rows / width) panels of `width`
// r-values and kc2 pairs of K each (kc2 >= ceil(kc / 2)), in `layout`; r past rows, k past kc
// and the padding pairs are zero. Panel q starts at out + q * width * kc2 * 2.
using Bf16Packer = void (*)(const Bf16Operand& x, int r0, int p0, int rows, int kc, int width, int kc2,
                            Bf16PanelLayout layout, uint16_t* out);

// The element-by-element packer (gemm_bf16_pack.cpp), for any CPU.
void bf16_pack_portable(const Bf16Operand& x, int r0, int p0, int rows, int kc, int width, int kc2,
                        Bf16PanelLayout layout, uint16_t* out);
// The AVX512-BF16 packer (gemm_bf16_avx512bf16.cpp): converts 16 values per instruction.
void bf16_pack_avx512bf16(const Bf16Operand& x, int r0, int p0, int rows, int kc, int width, int kc2,
                          Bf16PanelLayout layout, uint16_t* out);

// C[0:mr, 0:nr] = alpha * Ap Bp + beta * C for one A panel and one B panel of kc2 pairs;
// mr <= MR, nr <= NR bound what is written; beta == 0 writes C without reading it. The A
// panel holds panel_rows rows (its width when packed: MR, or mr where the path takes panels
// of any height).
using Bf16Micro = void (*)(int kc2, const uint16_t* Ap, int panel_rows, const uint16_t* Bp, float* C, int ldc, int mr,
                           int nr, float alpha, float beta);

struct Bf16GemmKernel {
  const char* name;
  int mr, nr;       // register (or tile) block
  int kc2, mc, nc;  // cache blocks: pairs of K per slice, rows of A and columns of B packed at once
  int pair_unit;    // the packer pads each slice's pairs of K with zeros to a multiple of this
  Bf16PanelLayout a_layout;
  // True where micro takes A panels of any height up to mr: the driver then picks the height
  // for each block of rows (gemm_bf16.cpp's panel_height), so no tile is left too short to
  // hide the multiply-add latency. Each element's sum is the same either way.
  bool any_panel_height;
  // True where this machine can run the path (CPU features, OS permission for AMX state).
  bool (*available)();
  Bf16Packer pack;
  Bf16Micro micro;  // A panels in a_layout
  // The same product with A panels row-major, for A operands a caller writes itself
  // (sgemm_bf16_serial_sourced_a), whose rows are runs along K; it sums in micro's order.
  Bf16Micro micro_row_major_a;
};

const Bf16GemmKernel& gemm_bf16_kernel_amx();         // gemm_bf16_amx.cpp
const Bf16GemmKernel& gemm_bf16_kernel_avx512bf16();  // gemm_bf16_avx512bf16.cpp
const Bf16GemmKernel& gemm_bf16_kernel_portable();    // gemm_bf16_portable.cpp

}  // namespace cnn
