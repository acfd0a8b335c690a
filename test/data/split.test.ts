// splitValidation: sizes, a partition of the original images (every image in exactly one
// part, with its own label), copies not views, the same split for the same seed, another
// for another seed, and the errors for impossible sizes.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ImageSet } from '../../src/data/dataset';
import { splitValidation } from '../../src/data/split';

/** count images of 2x3 pixels; every pixel of image n is n (mod 256), its label n % 10. */
function numbered(count: number): ImageSet {
  const images = new Uint8Array(count * 6);
  for (let n = 0; n < count; n++) images.fill(n & 0xff, n * 6, n * 6 + 6);
  return { images, labels: Uint8Array.from({ length: count }, (_, n) => n % 10), count, shape: [1, 2, 3] };
}

/** Which original images a part holds (read back from its pixels), checking labels and uniform pixels. */
function originals(part: ImageSet): number[] {
  const ids: number[] = [];
  for (let i = 0; i < part.count; i++) {
    const id = part.images[i * 6];
    for (let k = 1; k < 6; k++) assert.equal(part.images[i * 6 + k], id);
    assert.equal(part.labels[i], id % 10);
    ids.push(id);
  }
  return ids;
}

test('holds out n images; both parts together are the original set, each in order', () => {
  const set = numbered(200);
  const { train, val } = splitValidation(set, 30, 7);
  assert.equal(val.count, 30);
  assert.equal(train.count, 170);
  assert.deepEqual(train.shape, [1, 2, 3]);
  assert.equal(train.images.length, 170 * 6);
  assert.equal(val.labels.length, 30);
  const held = originals(val);
  const kept = originals(train);
  assert.deepEqual(
    [...held, ...kept].sort((a, b) => a - b),
    Array.from({ length: 200 }, (_, i) => i),
  );
  assert.deepEqual(
    held,
    held.slice().sort((a, b) => a - b),
  );
  assert.deepEqual(
    kept,
    kept.slice().sort((a, b) => a - b),
  );
  assert.notDeepEqual(
    held,
    Array.from({ length: 30 }, (_, i) => i),
    'not simply the first n',
  );
});

test('the parts are copies: the original set is untouched and not shared', () => {
  const set = numbered(20);
  const before = set.images.slice();
  const { train, val } = splitValidation(set, 5, 1);
  assert.notEqual(train.images.buffer, set.images.buffer);
  assert.notEqual(val.images.buffer, set.images.buffer);
  train.images.fill(255);
  val.labels.fill(9);
  assert.deepEqual(set.images, before);
});

test('deterministic for a seed; another seed holds out other images', () => {
  const set = numbered(200);
  const a = splitValidation(set, 50, 42);
  const b = splitValidation(set, 50, 42);
  const c = splitValidation(set, 50, 43);
  assert.deepEqual(a.val.images, b.val.images);
  assert.deepEqual(a.train.labels, b.train.labels);
  assert.notDeepEqual(originals(a.val), originals(c.val));
});

test('n = 0 holds out nothing', () => {
  const { train, val } = splitValidation(numbered(10), 0, 1);
  assert.equal(val.count, 0);
  assert.equal(train.count, 10);
});

test('n must leave at least one training image and be a whole number', () => {
  assert.throws(
    () => splitValidation(numbered(10), 10, 1),
    /cannot hold out 10 validation images: the training set has only 10/,
  );
  assert.throws(() => splitValidation(numbered(10), 11, 1), /cannot hold out 11/);
  assert.throws(() => splitValidation(numbered(10), 2.5, 1), /whole number/);
  assert.throws(() => splitValidation(numbered(10), -1, 1), /whole number/);
});
