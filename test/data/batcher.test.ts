// Batcher on small hand-made image sets: the normalisation, centred padding with the
// background value, grey replicated to three channels, the order respected, and
// epochOrder as a reproducible permutation.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Batcher, epochOrder } from '../../src/data/batcher';
import type { ImageSet } from '../../src/data/dataset';
import { Rng } from '../../src/train/rng';

function set(count: number, h: number, w: number, pixel: (n: number, i: number) => number): ImageSet {
  const images = new Uint8Array(count * h * w);
  for (let n = 0; n < count; n++) for (let i = 0; i < h * w; i++) images[n * h * w + i] = pixel(n, i);
  return { images, labels: Uint8Array.from({ length: count }, (_, n) => n % 10), count, shape: [1, h, w] };
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

test('normalises each pixel to (pixel/255 - mean)/std', () => {
  const images = set(1, 2, 2, (_, i) => [0, 51, 255, 128][i]);
  const batcher = new Batcher(images, [1, 2, 2], [0.2], [0.5]);
  assert.equal(batcher.adaptation, null);
  const x = new Float32Array(4);
  const y = new Int32Array(1);
  batcher.fill([0], 0, 1, x, y);
  [0, 51, 255, 128].forEach((p, i) => assert.ok(close(x[i], (p / 255 - 0.2) / 0.5), `pixel ${i}: ${x[i]}`));
  assert.equal(y[0], 0);
});

test('28x28 is padded to 32x32, centred, with the background value', () => {
  const images = set(2, 28, 28, () => 255);
  const mean = 0.1307,
    std = 0.3081;
  const batcher = new Batcher(images, [1, 32, 32], [mean], [std]);
  assert.equal(batcher.adaptation, '28x28 images zero-padded to 32x32');
  const x = new Float32Array(2 * 32 * 32).fill(99);
  const y = new Int32Array(2);
  batcher.fill([1, 0], 0, 2, x, y);
  const background = -mean / std;
  const white = (1 - mean) / std;
  for (let n = 0; n < 2; n++) {
    for (let r = 0; r < 32; r++) {
      for (let c = 0; c < 32; c++) {
        const inside = r >= 2 && r < 30 && c >= 2 && c < 30;
        const v = x[n * 1024 + r * 32 + c];
        assert.ok(close(v, inside ? white : background), `image ${n} (${r}, ${c}) = ${v}`);
      }
    }
  }
  assert.deepEqual(Array.from(y), [1, 0]);
});

test('grey is replicated to 3 channels', () => {
  const images = set(1, 2, 3, (_, i) => i * 40);
  const batcher = new Batcher(images, [3, 2, 3], [0.5], [0.25]);
  assert.equal(batcher.adaptation, 'grey replicated to 3 channels');
  const x = new Float32Array(3 * 6);
  batcher.fill([0], 0, 1, x, new Int32Array(1));
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 6; i++) assert.ok(close(x[c * 6 + i], ((i * 40) / 255 - 0.5) / 0.25));
  }
});

test('padding and channel replication together are both reported', () => {
  const batcher = new Batcher(
    set(1, 28, 28, () => 0),
    [3, 32, 32],
    [0.1],
    [0.3],
  );
  assert.equal(batcher.adaptation, '28x28 images zero-padded to 32x32; grey replicated to 3 channels');
});

test('follows the order from the given start', () => {
  const images = set(5, 1, 2, (n, i) => n * 10 + i);
  const batcher = new Batcher(images, [1, 1, 2], [0], [1]);
  const x = new Float32Array(3 * 2);
  const y = new Int32Array(3);
  batcher.fill(Uint32Array.from([4, 2, 0, 3, 1]), 2, 3, x, y);
  assert.deepEqual(Array.from(y), [0, 3, 1]);
  assert.deepEqual(
    Array.from(x, (v) => Math.round(v * 255)),
    [0, 1, 30, 31, 10, 11],
  );
});

test('a target smaller than the images is refused, naming both shapes', () => {
  assert.throws(
    () =>
      new Batcher(
        set(1, 28, 28, () => 0),
        [1, 24, 24],
        [0],
        [1],
      ),
    /1x24x24 .* 1x28x28/,
  );
});

test('a channel count that cannot be adapted is refused', () => {
  const rgb: ImageSet = { images: new Uint8Array(3 * 4), labels: new Uint8Array(1), count: 1, shape: [3, 2, 2] };
  assert.throws(() => new Batcher(rgb, [1, 2, 2], [0, 0, 0], [1, 1, 1]), /1 channels .* have 3/);
});

test('fill checks its buffers and indices', () => {
  const batcher = new Batcher(
    set(2, 2, 2, () => 0),
    [1, 2, 2],
    [0],
    [1],
  );
  assert.throws(() => batcher.fill([0, 1], 0, 2, new Float32Array(4), new Int32Array(2)), RangeError);
  assert.throws(() => batcher.fill([0, 7], 0, 2, new Float32Array(8), new Int32Array(2)), /image index 7/);
  assert.throws(() => batcher.fill([0], 0, 2, new Float32Array(8), new Int32Array(2)), RangeError);
});

test('epochOrder is a permutation, reproducible for a seed', () => {
  const a = epochOrder(1000, new Rng(42));
  const b = epochOrder(1000, new Rng(42));
  const c = epochOrder(1000, new Rng(43));
  assert.ok(a instanceof Uint32Array);
  assert.deepEqual(
    Array.from(a).sort((p, q) => p - q),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(
    Array.from(a),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});
