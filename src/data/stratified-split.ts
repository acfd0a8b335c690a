// The train/test split of an image listing without train/ and test/ folders: within each
// class, a seeded shuffle of its images (in the listing's sorted order) sends the first
// round(count x fraction) to the test set, keeping at least one for training. The listing
// alone decides it, so every run, eval and resume draws the same split; a fingerprint of
// the test files lets eval check that the split it redraws is the one training used.
import { createHash } from 'node:crypto';
import { Rng } from '../train/rng';
import { hashKey } from './counter-hash';
import type { ImageListing } from './image-listing';

/** Keeps this split's randomness apart from other uses of the same seed. */
const STRATIFIED_SPLIT_STREAM = 0x57a7;

export interface DrawnSplit {
  train: number[];
  test: number[];
}

export function stratifiedSplit(listing: ImageListing, testFraction: number, seed: number): DrawnSplit {
  if (!(testFraction >= 0 && testFraction < 1))
    throw new RangeError(`the test fraction must be in [0, 1), got ${testFraction}`);
  const byClass: number[][] = listing.classNames.map(() => []);
  listing.entries.forEach((e, i) => byClass[e.label].push(i));
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((members, label) => {
    const order = Uint32Array.from(members);
    new Rng(hashKey(seed, STRATIFIED_SPLIT_STREAM, label)).shuffle(order);
    const held = Math.min(members.length - 1, Math.round(members.length * testFraction));
    for (let i = 0; i < order.length; i++) (i < held ? test : train).push(order[i]);
  });
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/** A short hash of which files (by name) are in a split, for checking a redrawn split. */
export function splitFingerprint(listing: ImageListing, indices: readonly number[]): string {
  const h = createHash('sha256');
  for (const i of indices) h.update(listing.entries[i].name + '\n');
  return h.digest('hex').slice(0, 16);
}
