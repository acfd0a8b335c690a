// --class-weights: "balanced" as scikit-learn computes it (N / (K * count), K the classes with
// images, 0 for a class without any) and explicit lists checked against the class count.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { balancedWeights, classCounts, resolveClassWeights } from '../../src/train/class-weights';

test('balanced weights make every present class weigh the same in total', () => {
  const labels = Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 1, 3, 3]);
  const counts = classCounts(labels, labels.length, 4);
  assert.deepEqual(counts, [6, 2, 0, 2]);
  const w = balancedWeights(counts);
  assert.deepEqual(w, [10 / (3 * 6), 10 / (3 * 2), 0, 10 / (3 * 2)]);
  // Each class's images then add up to N / K: the loss sees balanced classes.
  counts.forEach((c, i) => {
    if (c > 0) assert.ok(Math.abs(c * w[i] - 10 / 3) < 1e-12);
  });
  assert.deepEqual(resolveClassWeights('balanced', 4, counts), w);
});

test('a list gives one weight per class; wrong counts, negative or all-zero weights are refused', () => {
  assert.deepEqual(resolveClassWeights('1, 2.5,0,4', 4, [1, 1, 1, 1]), [1, 2.5, 0, 4]);
  assert.throws(() => resolveClassWeights('1,2', 4, [1, 1, 1, 1]), /2 weights for 4 classes/);
  assert.throws(() => resolveClassWeights('1,-2,1,1', 4, [1, 1, 1, 1]), /each 0 or more/);
  assert.throws(() => resolveClassWeights('1,,1,1', 4, [1, 1, 1, 1]), /each 0 or more/);
  assert.throws(() => resolveClassWeights('0,0,5,0', 4, [1, 1, 0, 1]), /nothing would be learnt/);
});
