// Reader for the "CIFAR-10 binary version" (https://www.cs.toronto.edu/~kriz/cifar.html):
// data_batch_1.bin .. data_batch_5.bin (training) and test_batch.bin, each a run of 3,073-byte
// records: one label byte (0-9), then a 32x32 image as 1024 red, 1024 green, 1024 blue bytes,
// row-major. That is already (C, H, W), so each record's pixels are copied as one block into
// the set's byte array; nothing is converted per pixel. Accepts the unpacked directory itself
// or the directory that holds `cifar-10-batches-bin/`, as the archive unpacks.

import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './errors';
import type { ImageSet } from './dataset';
import { fsErrorMessage } from '../io/fs-errors';

export const CIFAR10_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR10_FILES = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
/** The directory the archive cifar-10-binary.tar.gz unpacks into. */
export const CIFAR10_SUBDIR = 'cifar-10-batches-bin';
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar.html';

const CHANNELS = 3,
  HEIGHT = 32,
  WIDTH = 32;
const IMAGE_BYTES = CHANNELS * HEIGHT * WIDTH; // 3,072
export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES; // 3,073
const CIFAR100_RECORD_BYTES = 2 + IMAGE_BYTES; // coarse + fine label: told apart to explain the error
const CLASSES = 10;

const GET_IT = `download the "CIFAR-10 binary version" from ${CIFAR10_URL}, unpack it, and pass --data DIR`;

/** Where the six files are (dir itself or dir/cifar-10-batches-bin) and which are missing there. */
export function locateCifar10(dir: string): { dir: string; missing: string[] } {
  const here = missingFiles(dir);
  const nested = path.join(dir, CIFAR10_SUBDIR);
  if (here.length > 0 && fs.existsSync(nested)) {
    const there = missingFiles(nested);
    if (there.length <= here.length) return { dir: nested, missing: there };
  }
  return { dir, missing: here };
}

function missingFiles(dir: string): string[] {
  return CIFAR10_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
}

/** Reads the CIFAR-10 training (50,000) and test (10,000) images from `dir`. */
export function loadCifar10Sets(dir: string): { dir: string; train: ImageSet; test: ImageSet } {
  const found = resolveCifar10Dir(dir);
  const train = readCifarBatches(CIFAR10_TRAIN_FILES.map((f) => path.join(found, f)));
  const test = readCifarBatches([path.join(found, CIFAR10_TEST_FILE)]);
  return { dir: found, train, test };
}

/** The directory holding all six files, or a DataError saying what is wrong with `dir`. */
function resolveCifar10Dir(dir: string): string {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(dir, `cifar10: data directory ${dir} not found; ${GET_IT}`);
    if (code === 'ENOTDIR')
      throw new DataError(
        dir,
        `cifar10: ${dir} is a file, not a directory; pass --data DIR with the directory that holds ${CIFAR10_FILES.join(', ')}`,
      );
    throw new DataError(dir, `cifar10: ${fsErrorMessage('cannot read directory', dir, err)}`);
  }
  if (entries.length === 0) {
    throw new DataError(
      dir,
      `cifar10: the directory ${dir} is empty; expected ${CIFAR10_FILES.join(', ')} in it (or in ${path.join(dir, CIFAR10_SUBDIR)}); ${GET_IT}`,
    );
  }
  const located = locateCifar10(dir);
  if (located.missing.length === 0) return located.dir;
  const pythonVersion = entries.includes('cifar-10-batches-py') || entries.includes('data_batch_1');
  const hint = pythonVersion
    ? `; this looks like the CIFAR-10 Python version, but cnn reads the binary version: ${GET_IT}`
    : `; pass --data DIR pointing at the unpacked ${CIFAR10_SUBDIR} directory (or its parent)`;
  throw new DataError(
    located.dir,
    `cifar10: missing ${located.missing.join(', ')} in ${located.dir} (expected ${CIFAR10_FILES.join(', ')})${hint}`,
  );
}

/**
 * Reads and concatenates CIFAR-10 batch files into one set of (count, 3, 32, 32) images.
 * Sizes are checked first (from the file system), so the set is allocated once and only one
 * file's bytes are held besides it: 180 MB at most for the training set, not 300.
 */
export function readCifarBatches(files: string[]): ImageSet {
  const counts = files.map(recordCount);
  const count = counts.reduce((sum, c) => sum + c, 0);
  const { images, labels } = allocateSet(files, count);
  let n = 0;
  files.forEach((file, f) => {
    const bytes = readBytes(file); // a plain Uint8Array view: its subarray is cheaper than a Buffer's
    if (bytes.length !== counts[f] * CIFAR10_RECORD_BYTES)
      throw new DataError(file, `${file} changed size while being read`);
    for (let r = 0; r < counts[f]; r++, n++) {
      const at = r * CIFAR10_RECORD_BYTES;
      const label = bytes[at];
      if (label >= CLASSES) {
        throw new DataError(
          file,
          `${file}: record ${r} has label ${label}, but CIFAR-10 labels are 0..${CLASSES - 1}; the file is damaged or not a CIFAR-10 batch`,
        );
      }
      labels[n] = label;
      images.set(bytes.subarray(at + 1, at + CIFAR10_RECORD_BYTES), n * IMAGE_BYTES);
    }
  });
  return { images, labels, count, shape: [CHANNELS, HEIGHT, WIDTH] };
}

/** The set's arrays; a file's size bounds them, but a sparse or huge file can claim more than memory holds. */
function allocateSet(files: string[], count: number): { images: Uint8Array; labels: Uint8Array } {
  try {
    return { images: new Uint8Array(count * IMAGE_BYTES), labels: new Uint8Array(count) };
  } catch (err) {
    const where = files.length === 1 ? files[0] : `${files[0]} .. ${files[files.length - 1]}`;
    throw new DataError(
      files[0],
      `${where}: ${plural(count, 'record')} (${(count * IMAGE_BYTES).toLocaleString('en-US')} image bytes) are more than can be loaded (${(err as Error).message}); the files are damaged or not CIFAR-10 batches`,
    );
  }
}

/** How many records a batch file holds, checked to be a whole, non-zero number. */
function recordCount(file: string): number {
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw new DataError(file, `${file} is a directory, not a CIFAR-10 batch file`);
    size = stat.size;
  } catch (err) {
    throw err instanceof DataError ? err : readError(file, err as NodeJS.ErrnoException);
  }
  if (size === 0) {
    throw new DataError(
      file,
      `${file} is empty (0 bytes); a CIFAR-10 batch holds 3,073-byte records: re-download and unpack the CIFAR-10 binary version`,
    );
  }
  const remainder = size % CIFAR10_RECORD_BYTES;
  if (remainder !== 0) {
    const cifar100 =
      size % CIFAR100_RECORD_BYTES === 0
        ? ' (it divides into 3,074-byte records: is this the CIFAR-100 binary version?)'
        : '; the file is truncated or not a CIFAR-10 batch';
    throw new DataError(
      file,
      `${file}: size ${size.toLocaleString('en-US')} bytes is not a multiple of the 3,073-byte CIFAR-10 record ` +
        `(${plural(Math.floor(size / CIFAR10_RECORD_BYTES), 'whole record')} and ${plural(remainder, 'byte')} over)${cifar100}`,
    );
  }
  return size / CIFAR10_RECORD_BYTES;
}

function readBytes(file: string): Uint8Array {
  try {
    const buffer = fs.readFileSync(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  } catch (err) {
    throw readError(file, err as NodeJS.ErrnoException);
  }
}

function readError(file: string, err: NodeJS.ErrnoException): DataError {
  if (err.code === 'ENOENT') return new DataError(file, `${file} not found; ${GET_IT}`);
  if (err.code === 'EACCES') return new DataError(file, `${file}: permission denied`);
  return new DataError(file, fsErrorMessage('cannot read', file, err));
}

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
