// --precision, shared by train, eval and bench: the arithmetic of convolutions and dense
// layers (see NetworkOptions.precision in src/native.ts and docs/performance.md).
import { Option } from 'commander';
import { loadNative, PRECISIONS, type Precision } from '../native';

export function precisionOption(
  description = 'fp32, or bf16: convolutions and dense layers multiply bfloat16-rounded values and sum in fp32 (parameters, optimizer state and the loss stay fp32)',
): Option {
  return new Option('--precision <p>', description).choices(PRECISIONS).default('fp32');
}

export type { Precision };

/**
 * A line for the log where bf16 would run slower than fp32: its GEMM is the portable one
 * (fp32 arithmetic on rounded values) on a CPU with neither AVX512-BF16 nor AMX, or where
 * CNN_GEMM_PATH=portable forces it.
 */
export function precisionNote(precision: Precision | undefined): string | null {
  if (precision !== 'bf16' || loadNative().kernelPaths().gemmBf16 !== 'portable') return null;
  return 'note: bf16 runs on the portable path here (no AVX512-BF16 or AMX, or CNN_GEMM_PATH=portable): correct, but slower than fp32';
}
