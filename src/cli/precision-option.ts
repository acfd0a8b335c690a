// --precision, shared by train, eval and bench: the arithmetic of convolutions and dense
// layers (see NetworkOptions.precision in src/native.ts and docs/performance.md).
import { Option } from 'commander';
import { loadNative, PRECISIONS, type Precision } from '../native';

/** What --precision takes: a precision, or auto (bf16 where the CPU multiplies it natively). */
export const PRECISION_CHOICES = [...PRECISIONS, 'auto'] as const;
export type PrecisionChoice = (typeof PRECISION_CHOICES)[number];

export function precisionOption(
  description = 'fp32, bf16 (convolutions and dense layers multiply bfloat16-rounded values and sum in fp32; parameters, optimizer state and the loss stay fp32), or auto: bf16 where the CPU has AVX512-BF16 or AMX, else fp32',
): Option {
  return new Option('--precision <p>', description).choices(PRECISION_CHOICES).default('fp32');
}

export type { Precision };

/**
 * The precision a --precision choice runs in, and for auto a line for the log saying what it
 * chose and why: bf16 where the bf16 GEMM has a native path (AVX512-BF16 or AMX), fp32 where
 * bf16 would run on the portable path (slower than fp32).
 */
export function resolvePrecision(choice: PrecisionChoice | undefined): { precision: Precision; note: string | null } {
  if (choice !== 'auto') return { precision: choice ?? 'fp32', note: null };
  const unit = loadNative().kernelPaths().gemmBf16;
  if (unit === 'portable')
    return {
      precision: 'fp32',
      note: 'precision auto: fp32 (no AVX512-BF16 or AMX here, or CNN_GEMM_PATH=portable: bf16 would be slower)',
    };
  return { precision: 'bf16', note: `precision auto: bf16 (the CPU's ${unit} path)` };
}

/**
 * A line for the log where bf16 would run slower than fp32: its GEMM is the portable one
 * (fp32 arithmetic on rounded values) on a CPU with neither AVX512-BF16 nor AMX, or where
 * CNN_GEMM_PATH=portable forces it.
 */
export function precisionNote(precision: Precision | undefined): string | null {
  if (precision !== 'bf16' || loadNative().kernelPaths().gemmBf16 !== 'portable') return null;
  return 'note: bf16 runs on the portable path here (no AVX512-BF16 or AMX, or CNN_GEMM_PATH=portable): correct, but slower than fp32';
}
