// The CIFAR-10 binary reader on tiny batch files the test writes in the real format (a few
// 3,073-byte records per file): labels and pixels land where they belong, the nested
// cifar-10-batches-bin directory is found, loadDataset('cifar10') needs a directory, and
// every malformed case fails with a DataError that names the file and says what is wrong.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR10_FILES,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TRAIN_FILES,
  loadCifar10Sets,
  readCifarBatches,
} from '../../src/data/cifar';
import { loadDataset } from '../../src/data/dataset';
import { DataError } from '../../src/data/errors';
import { removeTempDirs, tempDir } from './idx-fixtures';

after(removeTempDirs);

/** The pixel of record `n` (of file `f`) at channel c, row, column: distinct enough to catch misplacement. */
function pixel(f: number, n: number, c: number, row: number, col: number): number {
  return (f * 71 + n * 31 + c * 97 + row * 7 + col * 3) & 0xff;
}

function batchBytes(f: number, labels: number[]): Buffer {
  const bytes = Buffer.alloc(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, n) => {
    const at = n * CIFAR10_RECORD_BYTES;
    bytes[at] = label;
    for (let c = 0; c < 3; c++) {
      for (let row = 0; row < 32; row++) {
        for (let col = 0; col < 32; col++) bytes[at + 1 + c * 1024 + row * 32 + col] = pixel(f, n, c, row, col);
      }
    }
  });
  return bytes;
}

const TRAIN_LABELS = [[0, 1], [2, 3, 4], [5], [6, 7], [8, 9]];
const TEST_LABELS = [9, 0, 5];

/** Writes the six files into dir (creating it); returns dir. */
function writeCifar(dir: string, overrides: Record<string, Buffer | null> = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  CIFAR10_TRAIN_FILES.forEach((name, f) => writeOrSkip(dir, name, overrides, batchBytes(f, TRAIN_LABELS[f])));
  writeOrSkip(dir, 'test_batch.bin', overrides, batchBytes(5, TEST_LABELS));
  return dir;
}

function writeOrSkip(dir: string, name: string, overrides: Record<string, Buffer | null>, bytes: Buffer): void {
  const chosen = name in overrides ? overrides[name] : bytes;
  if (chosen !== null) fs.writeFileSync(path.join(dir, name), chosen);
}

function dataError(pattern: RegExp, file?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
    assert.match(err.message, pattern);
    if (file !== undefined) assert.equal(err.file, file);
    return true;
  };
}

test('reads the training batches in order and the test batch, as (3, 32, 32) images', () => {
  const dir = writeCifar(tempDir('cifar'));
  const { train, test: testSet, dir: found } = loadCifar10Sets(dir);
  assert.equal(found, dir);
  assert.equal(train.count, 10);
  assert.deepEqual(train.shape, [3, 32, 32]);
  assert.deepEqual(Array.from(train.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(train.images.length, 10 * 3072);
  assert.deepEqual(Array.from(testSet.labels), TEST_LABELS);
  // Image 3 of the training set is record 1 of data_batch_2 (file index 1).
  for (const [c, row, col] of [
    [0, 0, 0],
    [1, 5, 17],
    [2, 31, 31],
  ]) {
    assert.equal(train.images[3 * 3072 + c * 1024 + row * 32 + col], pixel(1, 1, c, row, col));
    assert.equal(testSet.images[2 * 3072 + c * 1024 + row * 32 + col], pixel(5, 2, c, row, col));
  }
});

test('loadDataset("cifar10") gives class names, mean and std per channel', () => {
  const dir = writeCifar(tempDir('cifar'));
  const ds = loadDataset('cifar10', dir);
  assert.equal(ds.name, 'cifar10');
  assert.equal(ds.source, dir);
  assert.equal(ds.classes, 10);
  assert.deepEqual(ds.classNames, CIFAR10_CLASS_NAMES);
  assert.deepEqual(ds.classNames, [
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
  ]);
  assert.equal(ds.mean.length, 3);
  assert.equal(ds.std.length, 3);
  let sum = 0;
  for (let n = 0; n < 10; n++) for (let i = 0; i < 1024; i++) sum += ds.train.images[n * 3072 + 1024 + i] / 255;
  assert.ok(Math.abs(ds.mean[1] - sum / 10240) < 1e-9, `green mean ${ds.mean[1]} vs ${sum / 10240}`);
});

test('accepts the directory that holds cifar-10-batches-bin/', () => {
  const parent = tempDir('cifar');
  const nested = writeCifar(path.join(parent, 'cifar-10-batches-bin'));
  const ds = loadDataset('cifar10', parent);
  assert.equal(ds.source, nested);
  assert.equal(ds.train.count, 10);
});

test('without --data, cifar10 says where to get it; CNN_CIFAR10_DIR is used when set', () => {
  assert.throws(
    () => loadDataset('cifar10', undefined, {}),
    dataError(/CIFAR-10 binary version.*cs\.toronto\.edu.*unpack.*--data DIR/),
  );
  const dir = writeCifar(tempDir('cifar'));
  assert.equal(loadDataset('cifar10', undefined, { CNN_CIFAR10_DIR: dir }).train.count, 10);
});

test('a missing directory is reported with how to get the data', () => {
  const dir = path.join(tempDir('cifar'), 'nowhere');
  assert.throws(() => loadDataset('cifar10', dir), dataError(/data directory .*nowhere not found.*--data DIR/, dir));
});

test('an empty directory is reported, listing the expected files', () => {
  const dir = tempDir('cifar');
  assert.throws(
    () => loadDataset('cifar10', dir),
    dataError(/is empty; expected data_batch_1\.bin, .*test_batch\.bin/, dir),
  );
});

test('missing files are listed with what was expected in which directory', () => {
  const dir = writeCifar(tempDir('cifar'), { 'data_batch_4.bin': null, 'test_batch.bin': null });
  assert.throws(
    () => loadDataset('cifar10', dir),
    dataError(
      new RegExp(
        `missing data_batch_4\\.bin, test_batch\\.bin in ${dir} \\(expected ${CIFAR10_FILES.join(', ').replace(/\./g, '\\.')}\\).*--data DIR`,
      ),
      dir,
    ),
  );
});

test('the Python version is recognised and the binary version asked for', () => {
  const dir = tempDir('cifar');
  fs.mkdirSync(path.join(dir, 'cifar-10-batches-py'));
  assert.throws(() => loadDataset('cifar10', dir), dataError(/Python version.*binary version/));
});

test('a size that is not a multiple of 3,073 gives the size and the remainder', () => {
  const dir = writeCifar(tempDir('cifar'), { 'data_batch_3.bin': batchBytes(2, [1, 2]).subarray(0, 2 * 3073 - 10) });
  const file = path.join(dir, 'data_batch_3.bin');
  assert.throws(
    () => loadDataset('cifar10', dir),
    dataError(
      /data_batch_3\.bin: size 6,136 bytes is not a multiple of the 3,073-byte CIFAR-10 record \(1 whole record and 3,063 bytes over\)/,
      file,
    ),
  );
});

test('CIFAR-100 records (3,074 bytes) are recognised in the size error', () => {
  const dir = tempDir('cifar');
  const file = path.join(dir, 'odd.bin');
  fs.writeFileSync(file, Buffer.alloc(2 * 3074));
  assert.throws(() => readCifarBatches([file]), dataError(/CIFAR-100/, file));
});

test('an empty batch file is reported', () => {
  const dir = writeCifar(tempDir('cifar'), { 'test_batch.bin': Buffer.alloc(0) });
  const file = path.join(dir, 'test_batch.bin');
  assert.throws(() => loadDataset('cifar10', dir), dataError(/test_batch\.bin is empty \(0 bytes\)/, file));
});

test('a label above 9 names the file and the record', () => {
  const bytes = batchBytes(1, [2, 3, 4]);
  bytes[2 * 3073] = 10;
  const dir = writeCifar(tempDir('cifar'), { 'data_batch_2.bin': bytes });
  const file = path.join(dir, 'data_batch_2.bin');
  assert.throws(
    () => loadDataset('cifar10', dir),
    dataError(/data_batch_2\.bin: record 2 has label 10, but CIFAR-10 labels are 0\.\.9/, file),
  );
});

test('a batch path that is a directory is reported', () => {
  const dir = tempDir('cifar');
  assert.throws(() => readCifarBatches([dir]), dataError(/is a directory/, dir));
});
