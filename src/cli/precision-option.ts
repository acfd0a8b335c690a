// --precision, shared by train, eval and bench: the arithmetic of convolutions and dense
// layers (see NetworkOptions.precision in src/native.ts and docs/performance.md).
import { Option } from 'commander';
import { PRECISIONS, type Precision } from '../native';

export function precisionOption(): Option {
  return new Option(
    '--precision <p>',
    'fp32, or bf16: convolutions and dense layers multiply bfloat16-rounded values and sum in fp32 (parameters, optimizer state and the loss stay fp32)',
  )
    .choices(PRECISIONS)
    .default('fp32');
}

export type { Precision };
