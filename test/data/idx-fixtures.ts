// Helpers the data tests share: build IDX bytes in memory and write them (plain or gzipped)
// into a fresh temp directory, so every reader test runs on files it made itself.

import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { tempDir as makeTempDir } from '../temp-dir';

/** IDX bytes: magic 00 00, element type, rank, big-endian u32 dims, then data. */
export function idxBytes(dims: number[], data: Uint8Array | number[], type = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

const createdDirs: string[] = [];

/** A fresh directory cnn-<prefix>-XXXXXX, removed by removeTempDirs or else when the process exits. */
export function tempDir(prefix: string): string {
  const dir = makeTempDir(`cnn-${prefix}-`);
  createdDirs.push(dir);
  return dir;
}

/** Removes every directory tempDir made; tests call it from an `after` hook. */
export function removeTempDirs(): void {
  for (const dir of createdDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function writeFile(dir: string, name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, name.endsWith('.gz') ? zlib.gzipSync(bytes) : bytes);
  return file;
}

/** Writes the four standard files of a small dataset of count images (h x w) with the given labels. */
export function writeIdxDataset(
  dir: string,
  opts: {
    train: { images: Uint8Array; labels: number[] };
    test: { images: Uint8Array; labels: number[] };
    h: number;
    w: number;
    gz?: boolean;
  },
): void {
  const ext = opts.gz ? '.gz' : '';
  for (const [split, set] of [
    ['train', opts.train],
    ['t10k', opts.test],
  ] as const) {
    writeFile(dir, `${split}-images-idx3-ubyte${ext}`, idxBytes([set.labels.length, opts.h, opts.w], set.images));
    writeFile(dir, `${split}-labels-idx1-ubyte${ext}`, idxBytes([set.labels.length], set.labels));
  }
}
