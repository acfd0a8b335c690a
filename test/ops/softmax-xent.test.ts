// softmaxCrossEntropy against the float64 reference: probabilities, summed loss, argmax
// hits, and dlogits against central finite differences of the mean loss. Also numerical
// stability (huge logits must give finite results) and argmax ties.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadNative } from '../../src/native';
import { Rng } from '../../src/train/rng';
import { assertClose, configurations, filled, finiteDifference, forEachConfig, randomF32, softmaxXentRef } from './reference';

const native = loadNative();

function randomLabels(rng: Rng, n: number, k: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(k));
}

for (const [n, k] of [[1, 1], [1, 10], [3, 4], [32, 10], [7, 100]]) {
  test(`softmax cross-entropy n=${n} k=${k}`, () => {
    const rng = new Rng(n * 1000 + k);
    const logits = randomF32(rng, n * k, -5, 5), labels = randomLabels(rng, n, k);
    // Make some rows right: the correct count is then not trivially 0.
    for (let i = 0; i < n; i += 2) logits[i * k + labels[i]] = 6;
    const ref = softmaxXentRef(n, k, logits, labels);
    const dRef = finiteDifference((v) => softmaxXentRef(n, k, v, labels).lossSum / n, logits, 1e-4);

    forEachConfig(native, configurations(native), () => {
      const probs = filled(n * k, NaN), dlogits = filled(n * k, NaN);
      const out = native.softmaxCrossEntropy(n, k, logits, labels, probs, dlogits);
      assert.equal(out.correct, ref.correct, 'correct');
      assert.ok(Math.abs(out.lossSum - ref.lossSum) <= 1e-5 * Math.max(1, ref.lossSum), `lossSum ${out.lossSum} vs ${ref.lossSum}`);
      assertClose(probs, ref.probs, 'probs', 1e-6);
      assertClose(dlogits, dRef, 'dlogits', 1e-5);

      const probsOnly = new Float32Array(n * k);
      const again = native.softmaxCrossEntropy(n, k, logits, labels, probsOnly, null);
      assert.deepEqual(again, out, 'same result without dlogits');
      assert.deepEqual(probsOnly, probs);
    });
  });
}

test('softmax cross-entropy is stable for huge logits', () => {
  const logits = new Float32Array([1e4, 0, -1e4, /* row 2 */ 80, 80, 0, /* row 3 */ -3e38, 3e38, 0]);
  const labels = new Int32Array([2, 1, 0]);
  const probs = new Float32Array(9), dlogits = new Float32Array(9);
  const out = native.softmaxCrossEntropy(3, 3, logits, labels, probs, dlogits);
  assert.ok(Number.isFinite(out.lossSum), `loss ${out.lossSum}`);
  assert.ok(probs.every(Number.isFinite) && dlogits.every(Number.isFinite));
  const ref = softmaxXentRef(3, 3, logits, labels);
  assert.ok(Math.abs(out.lossSum - ref.lossSum) <= 1e-6 * ref.lossSum, `loss ${out.lossSum} vs ${ref.lossSum}`);
  // Row 2 ties 80 and 80: the first wins the argmax, so label 1 is not counted correct.
  assert.equal(out.correct, 0);
});

test('softmax cross-entropy dlogits rows sum to zero', () => {
  const rng = new Rng(5);
  const [n, k] = [4, 6];
  const probs = new Float32Array(n * k), d = new Float32Array(n * k);
  native.softmaxCrossEntropy(n, k, randomF32(rng, n * k, -3, 3), randomLabels(rng, n, k), probs, d);
  for (let i = 0; i < n; i++) {
    let sum = 0, psum = 0;
    for (let j = 0; j < k; j++) { sum += d[i * k + j]; psum += probs[i * k + j]; }
    assert.ok(Math.abs(sum) < 1e-6 && Math.abs(psum - 1) < 1e-6, `row ${i}: ${sum}, ${psum}`);
  }
});
