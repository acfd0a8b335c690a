// Images that stay on disk: a set whose pixels are records of a cache file (image-cache.ts),
// read one image at a time when a batch is filled, so a dataset larger than memory trains
// with bounded memory. An ImageSet holds its pixels either in `images` (in memory) or in
// `stored` (then `images` is empty); imageAt and selectImages work for both.
import type { ImageSet } from './dataset';

export interface StoredImages {
  /** Copies image `index` of the set (C*H*W bytes) into `into` at `offset`. */
  read(index: number, into: Uint8Array, offset: number): void;
  /** The images at `indices` of this set, in that order. */
  select(indices: ArrayLike<number>): StoredImages;
}

/** The bytes of image `index` (a view for an in-memory set, a fresh copy for a stored one). */
export function imageAt(set: ImageSet, index: number): Uint8Array {
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  if (!set.stored) return set.images.subarray(index * size, (index + 1) * size);
  const bytes = new Uint8Array(size);
  set.stored.read(index, bytes, 0);
  return bytes;
}

/** A new set of the images at `indices` of `set`, in that order (copied, or re-indexed when stored). */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) labels[i] = set.labels[indices[i]];
  const shape: [number, number, number] = [set.shape[0], set.shape[1], set.shape[2]];
  if (set.stored)
    return { images: new Uint8Array(0), labels, count: indices.length, shape, stored: set.stored.select(indices) };
  const images = new Uint8Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i] * size;
    images.set(set.images.subarray(from, from + size), i * size);
  }
  return { images, labels, count: indices.length, shape };
}
