// adamwUpdate against torch.optim.AdamW's algorithm written out in float64, over several
// steps (the moments carry over, the bias corrections change with the step), with and
// without weight decay, on small and large arrays (the parallel path) under threads 1 and 2,
// which must agree bit for bit (element-wise op).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';
import { Rng } from '../../src/train/rng';
import { adamwRef, type AdamWState, assertClose, configurations, forEachConfig, randomF32 } from './reference';

const native = loadTestAddon();

const settings = [
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
  { lr: 0.1, beta1: 0.5, beta2: 0.9, eps: 1e-6, weightDecay: 0 },
  { lr: 3e-4, beta1: 0, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 },
];

for (const count of [1, 13, 100_001]) {
  for (const s of settings) {
    test(`adamw on ${count} parameters, ${JSON.stringify(s)}`, () => {
      const rng = new Rng(count + 7);
      const p0 = randomF32(rng, count);
      const grads = [
        randomF32(rng, count),
        randomF32(rng, count, -0.01, 0.01),
        randomF32(rng, count, -3, 3),
        randomF32(rng, count),
      ];
      const finals: Float32Array[] = [];
      forEachConfig(native, configurations(native), () => {
        const p = p0.slice(),
          m = new Float32Array(count),
          v = new Float32Array(count);
        let ref: AdamWState = {
          params: Float64Array.from(p0),
          expAvg: new Float64Array(count),
          expAvgSq: new Float64Array(count),
        };
        grads.forEach((g, i) => {
          native.adamwUpdate(p, g, m, v, { ...s, step: i + 1 });
          ref = adamwRef(ref, g, { ...s, step: i + 1 });
          assertClose(p, ref.params, `params after step ${i + 1}`, 1e-5);
          assertClose(m, ref.expAvg, `expAvg after step ${i + 1}`, 1e-5);
          assertClose(v, ref.expAvgSq, `expAvgSq after step ${i + 1}`, 1e-5);
        });
        finals.push(p, m, v);
      });
      for (let i = 3; i < finals.length; i++) assert.deepEqual(finals[i], finals[i % 3], 'same for every thread count');
    });
  }
}

test("adamw: the first step moves each weight by about lr against its gradient's sign, after the decoupled decay", () => {
  const p = new Float32Array([1, -2, 0.5]),
    g = new Float32Array([0.3, -4, 0]);
  native.adamwUpdate(p, g, new Float32Array(3), new Float32Array(3), {
    lr: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.1,
    step: 1,
  });
  // Step 1: m/(1-b1) = g, sqrt(v/(1-b2)) = |g|, so the step is lr * sign(g) (0 where g is 0).
  assertClose(p, new Float64Array([1 * 0.999 - 0.01, -2 * 0.999 + 0.01, 0.5 * 0.999]), 'params', 1e-6);
});

test('adamw: a step count below 1 is refused', () => {
  const a = () => new Float32Array(2);
  assert.throws(
    () =>
      native.adamwUpdate(a(), a(), a(), a(), { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 0 }),
    /adamwUpdate: settings.step must be an integer >= 1/,
  );
});
