// --permute-pixels and --labels: the permutation is a seeded permutation applied alike to
// every image and channel; a label list keeps and renumbers classes in its order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { permuteImageSet, pixelPermutation } from '../../src/data/permute';
import { parseLabelList, selectLabels, subsetDataset } from '../../src/data/label-subset';
import { applyDataOptions } from '../../src/data/data-options';
import type { Dataset, ImageSet } from '../../src/data/dataset';

function set(count: number, shape: [number, number, number], labelOf: (i: number) => number): ImageSet {
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(count * size).map((_, k) => (k * 7 + 3) % 251);
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => labelOf(i)), count, shape };
}

test('pixelPermutation is a permutation, fixed by its seed', () => {
  const p = pixelPermutation(7, 784);
  assert.deepEqual(
    [...p].sort((a, b) => a - b),
    Array.from({ length: 784 }, (_, i) => i),
  );
  assert.deepEqual(p, pixelPermutation(7, 784));
  assert.notDeepEqual(p, pixelPermutation(8, 784));
  const moved = p.filter((v, i) => v !== i).length;
  assert.ok(moved > 700, `only ${moved} of 784 pixels moved`);
});

test('permuteImageSet moves the same pixel positions in every image and channel', () => {
  const s = set(3, [2, 4, 5], (i) => i);
  const perm = pixelPermutation(1, 20);
  const out = permuteImageSet(s, perm);
  assert.deepEqual(out.labels, s.labels);
  for (let plane = 0; plane < 6; plane++)
    for (let k = 0; k < 20; k++) assert.equal(out.images[plane * 20 + k], s.images[plane * 20 + perm[k]]);
  assert.throws(() => permuteImageSet(s, pixelPermutation(1, 19)), /19 positions, the images 20/);
});

test('parseLabelList reads lists and ranges and rejects mistakes', () => {
  assert.deepEqual(parseLabelList('0-4'), [0, 1, 2, 3, 4]);
  assert.deepEqual(parseLabelList('9, 5-7'), [9, 5, 6, 7]);
  assert.throws(() => parseLabelList('3,3'), /label 3 is listed twice/);
  assert.throws(() => parseLabelList('7-5'), /empty range/);
  assert.throws(() => parseLabelList('a'), /"a" is not a label/);
});

test('selectLabels keeps the listed classes and renumbers them in list order', () => {
  const s = set(20, [1, 2, 2], (i) => i % 10);
  const out = selectLabels(s, [7, 2]);
  assert.equal(out.count, 4);
  assert.deepEqual([...out.labels], [1, 0, 1, 0]); // images 2, 7, 12, 17
  assert.deepEqual([...out.images.subarray(4, 8)], [...s.images.subarray(7 * 4, 8 * 4)]);
  const dataset: Dataset = {
    name: 'toy',
    source: '',
    train: s,
    test: s,
    classes: 10,
    classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
    mean: [0.5],
    std: [0.25],
  };
  const sub = subsetDataset(dataset, [7, 2]);
  assert.equal(sub.classes, 2);
  assert.deepEqual(sub.classNames, ['c7', 'c2']);
  assert.throws(() => subsetDataset(dataset, [10]), /label 10 is not a class of toy/);
  const both = applyDataOptions(dataset, { labels: [7, 2], permutePixels: 3 });
  assert.deepEqual(both.train.images, permuteImageSet(out, pixelPermutation(3, 4)).images);
});
