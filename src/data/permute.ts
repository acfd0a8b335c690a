// `--permute-pixels SEED`: one fixed random permutation of the pixel positions, the same for
// every image, training and test (the lectures' "disturbing observation": a network without
// convolutions learns the permuted digits as well as the originals, a convolutional one does
// not, since its filters rely on neighbouring pixels being neighbours). The permutation moves
// whole pixels: every channel of a position goes to the same new position.
import { Rng } from '../train/rng';
import type { ImageSet } from './dataset';

/** perm[k] = the source position of output position k, a permutation of [0, pixels). */
export function pixelPermutation(seed: number, pixels: number): Uint32Array {
  const perm = new Uint32Array(pixels);
  for (let i = 0; i < pixels; i++) perm[i] = i;
  // A stream of its own (the xor), so the permutation does not repeat the initialisation's draws.
  return new Rng((seed ^ 0x9e3779b9) >>> 0).shuffle(perm);
}

/** A copy of `set` with every image's pixels permuted by `perm` (of length H*W). */
export function permuteImageSet(set: ImageSet, perm: Uint32Array): ImageSet {
  const [channels, height, width] = set.shape;
  const plane = height * width;
  if (perm.length !== plane)
    throw new RangeError(`permuteImageSet: the permutation has ${perm.length} positions, the images ${plane}`);
  if (set.stored)
    throw new RangeError(
      'pixel permutation needs the images in memory; this image folder is larger than the in-memory limit (CNN_IMAGE_MEMORY_MB)',
    );
  const images = new Uint8Array(set.images.length);
  const planes = set.count * channels;
  for (let p = 0; p < planes; p++) {
    const base = p * plane;
    for (let k = 0; k < plane; k++) images[base + k] = set.images[base + perm[k]];
  }
  return { ...set, images };
}
