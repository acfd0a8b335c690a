// Counter-based randomness: a random number is a hash of *where it is used* (run seed,
// epoch, image index, which draw), not the next output of a generator. So it does not
// depend on how many numbers were drawn before, which thread drew them or whether the run
// was resumed: a checkpoint needs to store nothing for it. The mixer is Chris Wellons'
// "lowbias32" (a 32-bit finaliser with very low bias), chained over the key words.

/** A well-mixed 32-bit unsigned integer from a 32-bit one. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

const GOLDEN = 0x9e3779b9;

/** A 32-bit key from a sequence of non-negative integers (any size up to 2^53: both halves count). */
export function hashKey(...words: number[]): number {
  let h = 0x2545f491;
  for (const w of words) {
    const low = w >>> 0;
    const high = Math.floor(w / 4294967296) >>> 0;
    h = mix32((h ^ low) + GOLDEN);
    if (high !== 0) h = mix32((h ^ high) + GOLDEN);
  }
  return h;
}

/** The draw-th uniform number in [0, 1) of a key. */
export function uniformAt(key: number, draw: number): number {
  return mix32((key ^ Math.imul(draw + 1, GOLDEN)) >>> 0) / 4294967296;
}
