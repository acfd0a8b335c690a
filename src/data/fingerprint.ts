// A fingerprint of the training images a run used (their count, shape and a sha256 of the
// pixels and labels), stored in its checkpoints: `--resume` with data that changed since
// (fewer images, other files, another --labels subset) is refused instead of continuing
// silently at a step the new data does not have.
import * as crypto from 'node:crypto';
import type { ImageSet } from './dataset';
import { imageAt } from './stored-images';

export interface DataFingerprint {
  count: number;
  shape: [number, number, number];
  /** sha256 of the image bytes, then the label bytes, as hex. */
  sha256: string;
}

export function fingerprintOf(set: ImageSet): DataFingerprint {
  const hash = crypto.createHash('sha256');
  // A set on disk is hashed image by image: the same bytes in the same order, in bounded memory.
  if (set.stored) for (let i = 0; i < set.count; i++) hash.update(imageAt(set, i));
  else hash.update(set.images);
  hash.update(set.labels);
  return { count: set.count, shape: [...set.shape], sha256: hash.digest('hex') };
}

export function sameFingerprint(a: DataFingerprint, b: DataFingerprint): boolean {
  return a.count === b.count && a.shape.every((d, i) => d === b.shape[i]) && a.sha256 === b.sha256;
}

/** "12,000 images of 1x28x28 (sha256 3f2a9c1b...)". */
export function describeFingerprint(f: DataFingerprint): string {
  return `${f.count.toLocaleString('en-US')} images of ${f.shape.join('x')} (sha256 ${f.sha256.slice(0, 12)}...)`;
}

/** Checks a stored fingerprint's form; `bad` throws the caller's error for what is wrong. */
export function checkFingerprint(value: unknown, bad: (what: string) => never): void {
  const v = value as Partial<Record<keyof DataFingerprint, unknown>> | null;
  const ok =
    typeof v === 'object' &&
    v !== null &&
    Number.isSafeInteger(v.count) &&
    (v.count as number) >= 0 &&
    Array.isArray(v.shape) &&
    v.shape.length === 3 &&
    v.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
    typeof v.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(v.sha256);
  if (!ok) bad('has a "fingerprint" that is not {count, shape: [C, H, W], sha256}');
}
