// The one image `cnn viz maps` runs through the network: `test:N` (the N-th image of the
// checkpoint's test set) or a PNG or JPEG file, converted as `cnn predict` converts it
// (src/image: grey or RGB, inverted for light-on-dark datasets, framed and resized like the
// dataset's images); then the batcher pads and normalises it exactly as in training.
import * as path from 'node:path';
import { Batcher } from '../data/batcher';
import type { ImageSet } from '../data/dataset';
import type { LoadedCheckpoint } from '../train/training-checkpoint';
import { readImage } from '../image/decode';
import { imageConvention } from '../image/conventions';
import { prepareImage } from '../image/convert';

export interface InputImage {
  /** Normalised network input (1, C, H, W). */
  x: Float32Array;
  /** How the image was chosen, e.g. "test:7 (label 9)". */
  description: string;
  /** The label of a test image, else null. */
  label: number | null;
  /** For a file: what was done to it (grey, inverted, resized, ...). */
  steps?: string[];
}

export function parseTestIndex(arg: string): number | null {
  const m = /^test:(\d+)$/.exec(arg);
  return m ? Number(m[1]) : null;
}

/** Normalises one image of `set` exactly as training did. */
export function normaliseImage(ckpt: LoadedCheckpoint, set: ImageSet, index: number): Float32Array {
  const batcher = new Batcher(set, ckpt.plan.input, ckpt.dataset.mean, ckpt.dataset.std);
  const [c, h, w] = ckpt.plan.input;
  const x = new Float32Array(c * h * w);
  batcher.fill([index], 0, 1, x, new Int32Array(1));
  return x;
}

/** The test image `index` of a loaded test set. */
export function testImage(ckpt: LoadedCheckpoint, test: ImageSet, index: number): InputImage {
  if (index >= test.count)
    throw new Error(`test:${index}: the test set has ${test.count} images (test:0 to test:${test.count - 1})`);
  const label = test.labels[index];
  return {
    x: normaliseImage(ckpt, test, index),
    description: `test:${index} (label ${ckpt.dataset.classNames[label] ?? label})`,
    label,
  };
}

/** A PNG or JPEG file converted as `cnn predict` converts it (src/image). */
export async function fileImage(ckpt: LoadedCheckpoint, file: string): Promise<InputImage> {
  const convention = imageConvention(ckpt.dataset.name, ckpt.plan.input);
  const prepared = prepareImage(await readImage(file), convention);
  const set: ImageSet = { images: prepared.bytes, labels: new Uint8Array(1), count: 1, shape: prepared.shape };
  return { x: normaliseImage(ckpt, set, 0), description: path.basename(file), label: null, steps: prepared.steps };
}
