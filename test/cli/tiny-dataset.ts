// A tiny, learnable dataset in the real IDX format (the four MNIST file names, 28x28 grey
// images; class k has a bright column 2k on a faint pattern) and small JSON models, written
// into a directory for CLI tests that need many quick epochs: the soak and disk-full tests.
import * as fs from 'node:fs';
import * as path from 'node:path';

function idxFile(file: string, dims: number[], data: Uint8Array): void {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08; // unsigned bytes
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  fs.writeFileSync(file, Buffer.concat([header, data]));
}

/** Writes train-/t10k- images and labels (count each) into `dir`, for --dataset mnist --data dir. */
export function writeTinyDataset(dir: string, counts: { train: number; test: number }): void {
  for (const [split, count] of [
    ['train', counts.train],
    ['t10k', counts.test],
  ] as const) {
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
    const images = new Uint8Array(count * 784);
    for (let i = 0; i < count; i++) {
      for (let p = 0; p < 784; p++) images[i * 784 + p] = p % 28 === 2 * labels[i] ? 255 : (p * 7 + i * 13) % 60;
    }
    idxFile(path.join(dir, `${split}-images-idx3-ubyte`), [count, 28, 28], images);
    idxFile(path.join(dir, `${split}-labels-idx1-ubyte`), [count], labels);
  }
}

/** A small conv net for 1x28x28 inputs, written as a JSON model file; returns its path. */
export function writeTinyModel(dir: string, name: string, filters: number): string {
  const model = {
    name,
    input: [1, 28, 28],
    classes: 10,
    layers: [
      { type: 'conv2d', filters, kernel: 3, pad: 1 },
      { type: 'batchnorm' },
      { type: 'relu' },
      { type: 'maxpool', size: 2 },
      { type: 'dropout', p: 0.1 },
      { type: 'dense', units: 10 },
    ],
  };
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(model));
  return file;
}
