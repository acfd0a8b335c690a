// softmaxCrossEntropy against the float64 reference: probabilities, summed loss, argmax
// hits, and dlogits against central finite differences of the mean loss. Also numerical
// stability (huge logits must give finite results) and argmax ties.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';
import { Rng } from '../../src/train/rng';
import {
  assertClose,
  configurations,
  filled,
  finiteDifference,
  forEachConfig,
  randomF32,
  softmaxXentRef,
  weightedSmoothedXentRef,
} from './reference';

const native = loadTestAddon();

function randomLabels(rng: Rng, n: number, k: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(k));
}

for (const [n, k] of [
  [1, 1],
  [1, 10],
  [3, 4],
  [32, 10],
  [7, 100],
]) {
  test(`softmax cross-entropy n=${n} k=${k}`, () => {
    const rng = new Rng(n * 1000 + k);
    const logits = randomF32(rng, n * k, -5, 5),
      labels = randomLabels(rng, n, k);
    // Make some rows right: the correct count is then not trivially 0.
    for (let i = 0; i < n; i += 2) logits[i * k + labels[i]] = 6;
    const ref = softmaxXentRef(n, k, logits, labels);
    const dRef = finiteDifference((v) => softmaxXentRef(n, k, v, labels).lossSum / n, logits, 1e-4);

    forEachConfig(native, configurations(native), () => {
      const probs = filled(n * k, NaN),
        dlogits = filled(n * k, NaN);
      const out = native.softmaxCrossEntropy(n, k, logits, labels, probs, dlogits);
      assert.equal(out.correct, ref.correct, 'correct');
      assert.ok(
        Math.abs(out.lossSum - ref.lossSum) <= 1e-5 * Math.max(1, ref.lossSum),
        `lossSum ${out.lossSum} vs ${ref.lossSum}`,
      );
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
  const probs = new Float32Array(9),
    dlogits = new Float32Array(9);
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
  const probs = new Float32Array(n * k),
    d = new Float32Array(n * k);
  native.softmaxCrossEntropy(n, k, randomF32(rng, n * k, -3, 3), randomLabels(rng, n, k), probs, d);
  for (let i = 0; i < n; i++) {
    let sum = 0,
      psum = 0;
    for (let j = 0; j < k; j++) {
      sum += d[i * k + j];
      psum += probs[i * k + j];
    }
    assert.ok(Math.abs(sum) < 1e-6 && Math.abs(psum - 1) < 1e-6, `row ${i}: ${sum}, ${psum}`);
  }
});

// Label smoothing and class weights: torch's CrossEntropyLoss(weight, label_smoothing) formula,
// the gradient of the weighted mean by central differences.
for (const [smoothing, weighted] of [
  [0.1, false],
  [0, true],
  [0.2, true],
  [1, true],
] as const) {
  test(`softmax cross-entropy with label smoothing ${smoothing}${weighted ? ' and class weights' : ''}`, () => {
    const n = 9,
      k = 5;
    const rng = new Rng(17 + n);
    const logits = randomF32(rng, n * k, -4, 4),
      labels = randomLabels(rng, n, k);
    const classWeights = weighted ? new Float32Array([0.5, 2, 1, 0, 3]) : undefined;
    const options = { labelSmoothing: smoothing, ...(classWeights ? { classWeights } : {}) };
    const ref = weightedSmoothedXentRef(n, k, logits, labels, smoothing, classWeights ?? null);
    const dRef = finiteDifference(
      (v) => {
        const r = weightedSmoothedXentRef(n, k, v, labels, smoothing, classWeights ?? null);
        return r.lossSum / r.weightSum;
      },
      logits,
      1e-4,
    );
    const probs = new Float32Array(n * k),
      dlogits = filled(n * k, NaN);
    const out = native.softmaxCrossEntropyWithOptions(n, k, logits, labels, probs, dlogits, options);
    assert.ok(
      Math.abs(out.weightSum - ref.weightSum) <= 1e-6 * ref.weightSum,
      `weightSum ${out.weightSum} vs ${ref.weightSum}`,
    );
    assert.ok(
      Math.abs(out.lossSum - ref.lossSum) <= 1e-5 * Math.max(1, ref.lossSum),
      `lossSum ${out.lossSum} vs ${ref.lossSum}`,
    );
    assertClose(dlogits, dRef, 'dlogits', 1e-5);
    assertClose(probs, softmaxXentRef(n, k, logits, labels).probs, 'probs', 1e-6);
  });
}

test('softmax cross-entropy: smoothing 0.1 of a confident right answer costs e/K * sum -log p on top', () => {
  // Two classes, logits (0, 0): p = (0.5, 0.5); -log p = ln 2 for both, so any smoothing gives ln 2.
  const out = native.softmaxCrossEntropyWithOptions(
    1,
    2,
    new Float32Array([0, 0]),
    new Int32Array([0]),
    new Float32Array(2),
    null,
    { labelSmoothing: 0.1 },
  );
  assert.ok(Math.abs(out.lossSum - Math.LN2) < 1e-7);
  // Weights without smoothing: the weighted mean of one image is its plain loss.
  const w = native.softmaxCrossEntropyWithOptions(
    1,
    2,
    new Float32Array([1, 0]),
    new Int32Array([1]),
    new Float32Array(2),
    null,
    { classWeights: new Float32Array([1, 4]) },
  );
  assert.ok(Math.abs(w.lossSum / w.weightSum - Math.log(1 + Math.E)) < 1e-6, `${w.lossSum / w.weightSum}`);
});
