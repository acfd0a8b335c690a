// Which part of a global batch a rank trains on. Every rank shuffles with the same seed, so
// they hold the same epoch order; rank r takes the r-th contiguous slice of each global batch
// [start, start + n). Slices differ in length by at most one and never overlap, so every
// image is used once per epoch, and the same images are used as by one process.

export interface Shard {
  start: number;
  n: number;
}

export function shardOf(start: number, n: number, rank: number, size: number): Shard {
  const from = Math.floor((n * rank) / size);
  const to = Math.floor((n * (rank + 1)) / size);
  return { start: start + from, n: to - from };
}

/** The largest slice any rank gets of a global batch of n: the local network's maxBatch. */
export function largestShard(n: number, size: number): number {
  return Math.ceil(n / size);
}
