// Augmentation: --augment parsing and formatting, the per-image draws (ranges, independence
// from order and batch), bitwise reproducibility of whole batches for a seed, different
// transforms in different epochs, and the geometry of the warp: flip is an exact mirror,
// zero shift/crop and zero rotation are identities, a shift moves pixels by exactly its
// amount, a quarter turn is the expected index map, and what comes from outside is background.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  NO_AUGMENT,
  drawTransform,
  formatAugment,
  identityTransform,
  imageKey,
  isNoAugment,
  parseAugment,
  type AugmentSettings,
  type ImageTransform,
} from '../../src/data/augment';
import { Batcher } from '../../src/data/batcher';
import type { ImageSet } from '../../src/data/dataset';
import { warpPlane, type ChannelNormalisation, type PlaneGeometry } from '../../src/data/image-warp';

function randomSet(count: number, shape: [number, number, number], seed = 1): ImageSet {
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(count * size);
  let s = seed;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    images[i] = s >>> 24;
  }
  return { images, labels: Uint8Array.from({ length: count }, (_, n) => n % 10), count, shape };
}

const CIFAR_MEAN = [0.49, 0.48, 0.45];
const CIFAR_STD = [0.25, 0.24, 0.26];
const ALL: AugmentSettings = parseAugment('shift=2,rotate=10,scale=0.1,flip,crop=4');

function batch(
  set: ImageSet,
  order: number[],
  augment?: { settings: AugmentSettings; seed: number; epoch: number },
): Float32Array {
  const batcher = new Batcher(set, set.shape, CIFAR_MEAN, CIFAR_STD);
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const x = new Float32Array(order.length * size);
  batcher.fill(order, 0, order.length, x, new Int32Array(order.length), augment);
  return x;
}

const bits = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length);

// --- parsing ---------------------------------------------------------------------------

test('parses every key, in any order, and formats canonically', () => {
  assert.deepEqual(ALL, { shift: 2, rotate: 10, scale: 0.1, flip: true, crop: 4, resizedCrop: 0 });
  assert.deepEqual(parseAugment(' crop=4 , flip '), { ...NO_AUGMENT, flip: true, crop: 4 });
  assert.equal(
    formatAugment(parseAugment('flip,crop=4,shift=2,scale=0.1,rotate=10')),
    'shift=2,rotate=10,scale=0.1,flip,crop=4',
  );
  assert.deepEqual(parseAugment(formatAugment(ALL)), ALL);
  assert.equal(formatAugment(NO_AUGMENT), 'none');
});

test('"none" and an empty string mean no augmentation', () => {
  assert.deepEqual(parseAugment('none'), NO_AUGMENT);
  assert.deepEqual(parseAugment(''), NO_AUGMENT);
  assert.ok(isNoAugment(parseAugment('none')));
  assert.ok(isNoAugment(parseAugment('shift=0,crop=0,rotate=0,scale=0')));
  assert.ok(!isNoAugment(parseAugment('flip')));
});

test('parse errors name the --augment option and the key', () => {
  const cases: [string, RegExp][] = [
    ['blur=2', /--augment "blur=2": unknown key "blur"; known: shift=PIXELS/],
    ['shift=-1', /--augment .*shift needs a whole number of pixels/],
    ['shift=1.5', /shift needs a whole number/],
    ['shift', /shift needs .* got no value/],
    ['crop=abc', /crop needs a whole number .* got "abc"/],
    ['crop=1000', /crop needs a whole number of pixels in 0\.\.64/],
    ['rotate=200', /rotate needs a number of degrees in 0\.\.180/],
    ['rotate=', /rotate needs/],
    ['scale=1', /scale needs a fraction in 0\.\.1/],
    ['scale=NaN', /scale needs/],
    ['flip=1', /flip takes no value/],
    ['flip,flip', /key "flip" is given twice/],
    ['flip,,crop=2', /empty item/],
    ['none,flip', /"none" cannot be combined/],
  ];
  for (const [text, pattern] of cases) assert.throws(() => parseAugment(text), pattern, text);
});

// --- draws -------------------------------------------------------------------------------

test('draws stay in range, reach both ends, and flip about half the images', () => {
  const t = identityTransform();
  const dxs = new Set<number>();
  let flips = 0,
    maxAngle = 0,
    minScale = 2,
    maxScale = 0;
  for (let i = 0; i < 4000; i++) {
    drawTransform(ALL, imageKey(3, 0, i), t);
    assert.ok(Math.abs(t.dx) <= 6 && Math.abs(t.dy) <= 6);
    dxs.add(t.dx);
    if (t.flip) flips++;
    assert.ok(Math.abs(t.angle) <= (10 * Math.PI) / 180);
    maxAngle = Math.max(maxAngle, Math.abs(t.angle));
    minScale = Math.min(minScale, t.scale);
    maxScale = Math.max(maxScale, t.scale);
  }
  assert.equal(dxs.size, 13, `shift 2 + crop 4 gives -6..6, got ${[...dxs].sort((a, b) => a - b)}`);
  assert.ok(flips > 1800 && flips < 2200, `${flips} flips of 4000`);
  assert.ok(maxAngle > (0.95 * (10 * Math.PI)) / 180);
  assert.ok(minScale >= 0.9 && minScale < 0.905 && maxScale <= 1.1 && maxScale > 1.095, `${minScale}..${maxScale}`);
});

test('an option left out draws nothing; enabling one does not change the others', () => {
  const a = drawTransform(parseAugment('crop=4'), imageKey(5, 2, 17), identityTransform());
  const b = drawTransform(parseAugment('crop=4,flip,rotate=5'), imageKey(5, 2, 17), identityTransform());
  assert.equal(a.flip, false);
  assert.equal(a.angle, 0);
  assert.equal(a.scale, 1);
  assert.equal(a.dx, b.dx);
  assert.equal(a.dy, b.dy);
});

// --- batches -----------------------------------------------------------------------------

test('the same seed and epoch give the same batch twice, bitwise', () => {
  const set = randomSet(64, [3, 32, 32]);
  const order = Array.from({ length: 64 }, (_, i) => (i * 37) % 64);
  const a = batch(set, order, { settings: ALL, seed: 11, epoch: 3 });
  const b = batch(set, order, { settings: ALL, seed: 11, epoch: 3 });
  assert.deepEqual(bits(a), bits(b));
  assert.ok(a.every(Number.isFinite));
});

test('different epochs and different seeds give different batches', () => {
  const set = randomSet(16, [3, 32, 32]);
  const order = Array.from({ length: 16 }, (_, i) => i);
  const base = batch(set, order, { settings: ALL, seed: 11, epoch: 0 });
  assert.notDeepEqual(bits(base), bits(batch(set, order, { settings: ALL, seed: 11, epoch: 1 })));
  assert.notDeepEqual(bits(base), bits(batch(set, order, { settings: ALL, seed: 12, epoch: 0 })));
  assert.notDeepEqual(bits(base), bits(batch(set, order)));
});

test("an image's transform depends on its index, not on its position or batch", () => {
  const set = randomSet(10, [3, 32, 32]);
  const pass = { settings: ALL, seed: 4, epoch: 2 };
  const together = batch(set, [7, 2, 9], pass);
  const alone = batch(set, [9], pass);
  assert.deepEqual(bits(together.subarray(2 * 3072)), bits(alone));
  const batcher = new Batcher(set, set.shape, CIFAR_MEAN, CIFAR_STD);
  const x = new Float32Array(3072);
  batcher.fill([0, 1, 2, 7], 3, 1, x, new Int32Array(1), pass); // position 3 of a longer order
  assert.deepEqual(bits(x), bits(together.subarray(0, 3072)));
});

test('shift=0,crop=0 (and rotate=0) through the Batcher equal the plain copy, also when padding', () => {
  for (const [shape, target] of [
    [
      [3, 32, 32],
      [3, 32, 32],
    ],
    [
      [1, 28, 28],
      [1, 32, 32],
    ],
    [
      [1, 28, 28],
      [3, 32, 32],
    ],
  ] as const) {
    const set = randomSet(4, [...shape]);
    const batcher = new Batcher(set, [...target], [0.3, 0.4, 0.5], [0.2, 0.3, 0.1]);
    const size = target[0] * target[1] * target[2];
    const plain = new Float32Array(4 * size);
    const augmented = new Float32Array(4 * size).fill(7);
    batcher.fill([0, 1, 2, 3], 0, 4, plain, new Int32Array(4));
    batcher.fill([0, 1, 2, 3], 0, 4, augmented, new Int32Array(4), {
      settings: parseAugment('shift=0,crop=0,rotate=0'),
      seed: 1,
      epoch: 0,
    });
    assert.deepEqual(bits(augmented), bits(plain));
  }
});

test('flip only: each image is either unchanged or its exact mirror, and both happen', () => {
  const set = randomSet(32, [3, 32, 32]);
  const order = Array.from({ length: 32 }, (_, i) => i);
  const plain = batch(set, order);
  const flipped = batch(set, order, { settings: parseAugment('flip'), seed: 9, epoch: 0 });
  let mirrored = 0;
  for (let n = 0; n < 32; n++) {
    const same = plain.subarray(n * 3072, (n + 1) * 3072).every((v, i) => v === flipped[n * 3072 + i]);
    const mirror = isMirror(plain.subarray(n * 3072), flipped.subarray(n * 3072), 3, 32, 32);
    assert.ok(same !== mirror, `image ${n}: same ${same}, mirror ${mirror}`);
    if (mirror) mirrored++;
  }
  assert.ok(mirrored > 4 && mirrored < 28, `${mirrored} of 32 mirrored`);
});

test('grey images replicated to 3 channels get the same transform in every channel', () => {
  const set = randomSet(8, [1, 28, 28]);
  const batcher = new Batcher(set, [3, 32, 32], [0.13], [0.31]);
  const plain = new Float32Array(8 * 3072);
  const augmented = new Float32Array(8 * 3072);
  batcher.fill([0, 1, 2, 3, 4, 5, 6, 7], 0, 8, plain, new Int32Array(8));
  batcher.fill([0, 1, 2, 3, 4, 5, 6, 7], 0, 8, augmented, new Int32Array(8), {
    settings: parseAugment('flip,rotate=5'),
    seed: 2,
    epoch: 0,
  });
  for (let n = 0; n < 8; n++) {
    const image = augmented.subarray(n * 3072, (n + 1) * 3072);
    assert.deepEqual(bits(image.subarray(1024, 2048)), bits(image.subarray(0, 1024)));
    assert.deepEqual(bits(image.subarray(2048, 3072)), bits(image.subarray(0, 1024)));
    assert.notDeepEqual(bits(image), bits(plain.subarray(n * 3072, (n + 1) * 3072)));
    assert.equal(image[0], plain[n * 3072], 'the corner stays background');
  }
});

function isMirror(a: Float32Array, b: Float32Array, channels: number, h: number, w: number): boolean {
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++)
        if (a[(c * h + r) * w + col] !== b[(c * h + r) * w + (w - 1 - col)]) return false;
    }
  }
  return true;
}

// --- the warp itself ---------------------------------------------------------------------

const UNIT: ChannelNormalisation = (() => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = v;
  return { table, scale: 1, offset: 0 };
})();

function warp(image: Uint8Array, h: number, w: number, t: Partial<ImageTransform>, target = { h, w }): Float32Array {
  const g: PlaneGeometry = {
    height: h,
    width: w,
    targetHeight: target.h,
    targetWidth: target.w,
    padTop: Math.floor((target.h - h) / 2),
    padLeft: Math.floor((target.w - w) / 2),
  };
  const out = new Float32Array(target.h * target.w).fill(-1);
  warpPlane(image, 0, g, UNIT, { ...identityTransform(), ...t }, out, 0);
  return out;
}

const plane = (h: number, w: number) => randomSet(1, [1, h, w], h * 100 + w).images;

test('the identity transform copies the plane exactly (odd and even sizes, padded or not)', () => {
  for (const [h, w] of [
    [5, 7],
    [8, 8],
    [1, 1],
  ]) {
    const img = plane(h, w);
    assert.deepEqual(Array.from(warp(img, h, w, {})), Array.from(img));
  }
  const padded = warp(plane(5, 7), 5, 7, {}, { h: 9, w: 10 });
  assert.equal(padded[0], 0);
  assert.equal(padded[2 * 10 + 1], plane(5, 7)[0]);
});

test('flip mirrors exactly, also on a canvas wider than the image', () => {
  for (const [h, w, th, tw] of [
    [4, 5, 4, 5],
    [4, 5, 6, 8],
  ]) {
    const img = plane(h, w);
    const plain = warp(img, h, w, {}, { h: th, w: tw });
    const flipped = warp(img, h, w, { flip: true }, { h: th, w: tw });
    assert.ok(isMirror(plain, flipped, 1, th, tw));
    const shiftedFlip = warp(img, h, w, { flip: true, dx: 2, dy: 1 }, { h: th, w: tw });
    const shifted = warp(img, h, w, { dx: 2, dy: 1 }, { h: th, w: tw });
    assert.ok(isMirror(shifted, shiftedFlip, 1, th, tw), 'the mirror applies last');
  }
});

test('a shift moves every pixel by exactly (dx, dy) and fills with background', () => {
  const h = 6,
    w = 7;
  const img = plane(h, w);
  for (const [dx, dy] of [
    [1, -2],
    [-3, 0],
    [0, 5],
    [7, 0],
    [-10, 10],
  ]) {
    const out = warp(img, h, w, { dx, dy });
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const sr = r - dy,
          sc = c - dx;
        const expected = sr >= 0 && sr < h && sc >= 0 && sc < w ? img[sr * w + sc] : 0;
        assert.equal(out[r * w + c], expected, `dx ${dx} dy ${dy} at (${r}, ${c})`);
      }
    }
  }
});

test('rotation by (almost) 0 through the bilinear path is the identity', () => {
  const img = plane(6, 9);
  const out = warp(img, 6, 9, { angle: 1e-12 });
  for (let i = 0; i < img.length; i++)
    assert.ok(Math.abs(out[i] - img[i]) < 1e-6, `pixel ${i}: ${out[i]} vs ${img[i]}`);
  const scaled = warp(img, 6, 9, { scale: 1 + 1e-12 });
  for (let i = 0; i < img.length; i++) assert.ok(Math.abs(scaled[i] - img[i]) < 1e-6);
});

test('a quarter turn of a square image is the index map out(r, c) = in(w-1-c, r)', () => {
  const n = 6;
  const img = plane(n, n);
  const out = warp(img, n, n, { angle: Math.PI / 2 });
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) assert.ok(Math.abs(out[r * n + c] - img[(n - 1 - c) * n + r]) < 1e-6, `(${r}, ${c})`);
  }
});

test('rotating and scaling a constant image keeps the middle and brings in background at the corners', () => {
  const n = 16;
  const img = new Uint8Array(n * n).fill(200);
  for (const t of [{ angle: 0.5 }, { scale: 0.8 }, { angle: -0.3, scale: 0.9, dx: 1 }]) {
    const out = warp(img, n, n, t);
    assert.ok(Math.abs(out[8 * n + 8] - 200) < 1e-9, JSON.stringify(t));
    assert.ok(out[0] < 200, `corner ${out[0]} for ${JSON.stringify(t)}`);
    assert.ok(out.every((v) => v >= 0 && v <= 200 + 1e-9));
  }
});

test('resized-crop: parsed and formatted; each crop lies inside the image, area and aspect within their ranges', () => {
  const s = parseAugment('resized-crop=0.3,flip');
  assert.equal(s.resizedCrop, 0.3);
  assert.equal(formatAugment(s), 'flip,resized-crop=0.3');
  assert.throws(() => parseAugment('resized-crop=0.3,scale=0.1'), /resized-crop already zooms; drop scale/);
  assert.throws(() => parseAugment('resized-crop=1'), /resized-crop needs the smallest area fraction/);
  const width = 40,
    height = 24;
  for (let i = 0; i < 500; i++) {
    const t = drawTransform(s, imageKey(5, 0, i), identityTransform(), { width, height });
    const scaleX = t.scale * t.stretch,
      scaleY = t.scale / t.stretch;
    const area = 1 / (scaleX * scaleY);
    assert.ok(area >= 0.3 - 1e-9 && area <= 1 + 1e-9, `area ${area}`);
    // The output's edges, mapped back into the image (centred canvas, as the batcher places it).
    for (const u of [-width / 2, width / 2]) {
      const sx = (u - t.dx) / scaleX + width / 2;
      assert.ok(sx >= -1e-6 && sx <= width + 1e-6, `x ${sx}`);
    }
    for (const v of [-height / 2, height / 2]) {
      const sy = (v - t.dy) / scaleY + height / 2;
      assert.ok(sy >= -1e-6 && sy <= height + 1e-6, `y ${sy}`);
    }
  }
});
