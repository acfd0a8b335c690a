// The metrics log: one JSON object per line per epoch, appended so that a resumed run
// continues the same file. Each append rewrites the file atomically (src/io/atomic-write.ts),
// so a full disk never leaves a torn line behind the earlier epochs.
import { appendFileAtomically } from '../io/atomic-write';

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  imagesPerSecond: number;
  seconds: number;
  lr: number;
  /** Accuracy on each class's test images (null in the JSON for a class without any). */
  testClassAccuracy: number[];
  /** With --val: loss and accuracy on the held-out training images, overall and per class. */
  valLoss?: number;
  valAccuracy?: number;
  valClassAccuracy?: number[];
  /** With --metrics: {layer: mean L2 norm of its weight gradient over sampled steps} (grad-norms.ts). */
  gradNorms?: Record<string, number>;
}

export function appendMetrics(file: string, m: EpochMetrics): void {
  appendFileAtomically(file, JSON.stringify(m) + '\n', { what: 'metrics log' });
}
