// Changes to a dataset that a run records in its checkpoint (DatasetInfo) so that eval, resume
// and transfer see the same data: --labels (a subset of the classes, renumbered) and
// --permute-pixels (one fixed pixel permutation). Labels are selected first, then pixels
// permuted; the normalisation stays the full training set's (a permutation does not change a
// channel's mean or deviation).
import type { Dataset } from './dataset';
import { permuteImageSet, pixelPermutation } from './permute';
import { subsetDataset } from './label-subset';

export interface DataOptions {
  /** Original labels kept, in the order that numbers them 0..k-1. */
  labels?: number[];
  /** Seed of the pixel permutation. */
  permutePixels?: number;
}

export function applyDataOptions(dataset: Dataset, options: DataOptions): Dataset {
  let out = dataset;
  if (options.labels) out = subsetDataset(out, options.labels);
  if (options.permutePixels !== undefined) {
    const [, h, w] = out.train.shape;
    const perm = pixelPermutation(options.permutePixels, h * w);
    out = { ...out, train: permuteImageSet(out.train, perm), test: permuteImageSet(out.test, perm) };
  }
  return out;
}

/** For the log line, e.g. "labels 5,6,7,8,9 as 0-4; pixels permuted (seed 7)"; null when nothing. */
export function describeDataOptions(options: DataOptions): string | null {
  const parts: string[] = [];
  if (options.labels) parts.push(`labels ${options.labels.join(',')} as 0-${options.labels.length - 1}`);
  if (options.permutePixels !== undefined) parts.push(`pixels permuted (seed ${options.permutePixels})`);
  return parts.length ? parts.join('; ') : null;
}
