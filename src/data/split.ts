// Holds out part of a training set for validation (model selection, the plateau schedule)
// so the test set is never used to make training decisions. Which images are held out
// follows a permutation seeded by the run's seed, so a resumed run and a repeated run hold
// out the same ones. Both parts are copies in the original order (the trainer shuffles the
// training part every epoch anyway); the source set is left as it was.

import { Rng } from '../train/rng';
import type { ImageSet } from './dataset';
import { hashKey } from './counter-hash';
import { selectImages } from './stored-images';

/** Separates the split's generator from the one that shuffles epochs with the same seed. */
const SPLIT_STREAM = 0x5b1175;

export function splitValidation(set: ImageSet, n: number, seed: number): { train: ImageSet; val: ImageSet } {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`the validation size must be a whole number >= 0, got ${n}`);
  }
  if (n >= set.count) {
    throw new RangeError(
      `cannot hold out ${n} validation images: the training set has only ${set.count} (at least one must remain for training)`,
    );
  }
  const order = new Uint32Array(set.count);
  for (let i = 0; i < set.count; i++) order[i] = i;
  new Rng(hashKey(seed, SPLIT_STREAM)).shuffle(order);
  const held = order.subarray(0, n).sort();
  const kept = order.subarray(n).sort();
  return { train: selectImages(set, kept), val: selectImages(set, held) };
}
