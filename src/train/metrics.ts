// The metrics log: one JSON object per line per epoch, appended so that a resumed run
// continues the same file.
import * as fs from 'node:fs';

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  imagesPerSecond: number;
  seconds: number;
  lr: number;
  /** With --val: loss and accuracy on the held-out training images. */
  valLoss?: number;
  valAccuracy?: number;
  /** With --metrics: {layer: mean L2 norm of its weight gradient over sampled steps} (grad-norms.ts). */
  gradNorms?: Record<string, number>;
}

export function appendMetrics(file: string, m: EpochMetrics): void {
  fs.appendFileSync(file, JSON.stringify(m) + '\n');
}
