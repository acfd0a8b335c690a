// FMA throughput probe: the ceiling GEMM speed is judged against. Runs independent chains
// of fused multiply-adds on the widest vectors this CPU has (AVX-512, else AVX2+FMA, else
// SSE multiply+add), so the number is the arithmetic peak, not a memory bound.
#pragma once

namespace cnn {

// GFLOP/s (an FMA counts as 2 flops) over about `seconds` on `threads` threads.
double fma_peak_gflops(int threads, double seconds);

// Per-instruction-set loops, each in its own translation unit: `reps` rounds of FMAs on
// independent accumulators; return the flops done. Only call one the CPU supports.
double fma_chains_avx512(long long reps);
double fma_chains_avx2(long long reps);

}  // namespace cnn
