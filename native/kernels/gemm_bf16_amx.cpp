// bf16 GEMM path for Intel AMX (Sapphire Rapids and later): a 32x32 block of C held in four
// 16x16 fp32 tiles; per 32 steps of K it loads two 16-row tiles of A and two 16-column tiles
// of B and runs four tdpbf16ps, each 16x16x32 multiply-adds. A panels are packed row-major
// (each row's pairs of K contiguous, as a tile row wants); B panels are the shared pair
// layout, loaded 16 columns at a time with a row stride of the whole panel. K is padded to
// whole tiles (kPairUnit pairs) by the packer.
// Linux gives a process AMX state only after it asks (arch_prctl ARCH_REQ_XCOMP_PERM); where
// the kernel refuses, the path is unavailable and the dispatcher picks another.
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cstring>
#include "kernels/gemm_bf16_kernel.h"

namespace cnn {
namespace {

constexpr int MR = 32, NR = 32;
constexpr int kTileRows = 16, kTilePairs = 16;  // a tile: 16 rows of 64 bytes

struct alignas(64) TileConfig {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

// Tiles 0-3: C (rows 0-15 and 16-31, columns 0-15 and 16-31); 4-5: A; 6-7: B.
void configure_tiles() {
  thread_local bool configured = false;
  if (configured) return;
  TileConfig cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.palette_id = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = kTileRows;
    cfg.colsb[t] = 64;
  }
  _tile_loadconfig(&cfg);
  configured = true;
}

void micro(int kc2, const uint16_t* a /* (MR, kc2, 2) */, int /* panel_rows: always MR */,
           const uint16_t* b /* (kc2, NR, 2) */, float* c, int ldc, int mr, int nr, float alpha, float beta) {
  configure_tiles();
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  const size_t a_stride = (size_t)kc2 * 2 * sizeof(uint16_t), b_stride = (size_t)NR * 2 * sizeof(uint16_t);
  for (int k2 = 0; k2 < kc2; k2 += kTilePairs) {
    _tile_loadd(4, a + (size_t)k2 * 2, a_stride);
    _tile_loadd(5, a + ((size_t)kTileRows * kc2 + k2) * 2, a_stride);
    _tile_loadd(6, b + (size_t)k2 * NR * 2, b_stride);
    _tile_loadd(7, b + (size_t)k2 * NR * 2 + 2 * 16, b_stride);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  alignas(64) float out[MR * NR];
  _tile_stored(0, out, NR * sizeof(float));
  _tile_stored(1, out + 16, NR * sizeof(float));
  _tile_stored(2, out + 16 * NR, NR * sizeof(float));
  _tile_stored(3, out + 16 * NR + 16, NR * sizeof(float));
  for (int r = 0; r < mr; ++r) {
    float* cr = c + (size_t)r * ldc;
    const float* o = out + (size_t)r * NR;
    for (int j = 0; j < nr; ++j) cr[j] = beta == 0.0f ? alpha * o[j] : alpha * o[j] + beta * cr[j];
  }
}

// The CPU has AMX-BF16 and Linux granted this process the tile data state.
bool available() {
  static const bool ok = [] {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("amx-tile") || !__builtin_cpu_supports("amx-bf16")) return false;
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  }();
  return ok;
}

}  // namespace

const Bf16GemmKernel& gemm_bf16_kernel_amx() {
  static const Bf16GemmKernel kernel{
      "amx", MR,   NR, 256, 128, 512, kTilePairs, Bf16PanelLayout::RowMajor, false, available, bf16_pack_avx512bf16,
      micro, micro};  // A panels are row-major already
  return kernel;
}

}  // namespace cnn
