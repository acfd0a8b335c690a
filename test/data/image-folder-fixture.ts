// Image folders for tests, cut from the real MNIST files: train/<class>/ and test/<class>/
// with class folders named "zero".."nine", images as grey PNG, JPEG, RGB PNG and enlarged
// PNG (several sizes and modes), so the folder path is exercised as a user's photos would.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { readIdx } from '../../src/data/idx';
import { mnistDataDir } from '../../src/data/dataset';
import { listImageFolder } from '../../src/data/image-folder';
import { writeIdxDataset } from './idx-fixtures';

export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** How the i-th image is written: most as grey PNG, every 5th a JPEG, every 7th RGB, every 11th twice as large. */
async function encodeDigit(pixels: Uint8Array, i: number): Promise<{ bytes: Buffer; ext: string }> {
  let image = sharp(Buffer.from(pixels), { raw: { width: 28, height: 28, channels: 1 } });
  if (i % 11 === 3) image = sharp(await image.resize(56, 56, { kernel: 'nearest' }).png().toBuffer());
  image = image.toColourspace(i % 7 === 2 ? 'srgb' : 'b-w');
  if (i % 5 === 1) return { bytes: await image.jpeg({ quality: 95 }).toBuffer(), ext: '.jpg' };
  return { bytes: await image.png().toBuffer(), ext: '.png' };
}

/** Writes the first `count` images of an MNIST split into dir/<word>/NNNNN.ext. */
export async function writeDigitFolder(dir: string, split: 'train' | 't10k', count: number): Promise<void> {
  const images = readIdx(path.join(mnistDataDir(), `${split}-images-idx3-ubyte`));
  const labels = readIdx(path.join(mnistDataDir(), `${split}-labels-idx1-ubyte`));
  for (const word of DIGIT_WORDS) fs.mkdirSync(path.join(dir, word), { recursive: true });
  for (let i = 0; i < count; i++) {
    const { bytes, ext } = await encodeDigit(images.data.subarray(i * 784, (i + 1) * 784), i);
    fs.writeFileSync(path.join(dir, DIGIT_WORDS[labels.data[i]], `${String(i).padStart(5, '0')}${ext}`), bytes);
  }
}

/** dir/train and dir/test from the first `train` and `test` MNIST images. */
export async function digitFolders(dir: string, train: number, test: number): Promise<string> {
  await writeDigitFolder(path.join(dir, 'train'), 'train', train);
  await writeDigitFolder(path.join(dir, 'test'), 't10k', test);
  return dir;
}

/**
 * The IDX files of a digit folder's own images into `out`: the original MNIST bytes, in the
 * folder's order and with its labels (classes sorted by name), so the two paths train on the
 * same images in the same order and differ only by what the files' encodings changed.
 */
export function idxOfFolder(dir: string, out: string): string {
  const listing = listImageFolder(dir);
  const sets = listing.given!;
  const pick = (indices: number[], source: 'train' | 't10k') => {
    const all = readIdx(path.join(mnistDataDir(), `${source}-images-idx3-ubyte`)).data;
    const images = new Uint8Array(indices.length * 784);
    indices.forEach((i, k) => {
      const original = Number(path.basename(listing.entries[i].file).slice(0, 5));
      images.set(all.subarray(original * 784, (original + 1) * 784), k * 784);
    });
    return { images, labels: indices.map((i) => listing.entries[i].label) };
  };
  writeIdxDataset(out, { train: pick(sets.train, 'train'), test: pick(sets.test, 't10k'), h: 28, w: 28 });
  return out;
}
