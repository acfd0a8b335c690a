// sgdUpdate against PyTorch's formulation in float64, over several steps (momentum carries
// over), with and without momentum and weight decay, on small and large arrays (the
// parallel path) under threads 1 and 2, which must agree bit for bit (element-wise op).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';
import { Rng } from '../../src/train/rng';
import { assertClose, configurations, forEachConfig, randomF32, sgdRef } from './reference';

const native = loadTestAddon();

const settings: [number, number, number][] = [
  [0.1, 0, 0],
  [0.05, 0.9, 0],
  [0.01, 0.9, 5e-4],
  [0.2, 0.5, 0.1],
];

for (const count of [1, 13, 100_001]) {
  for (const [lr, momentum, wd] of settings) {
    test(`sgd on ${count} parameters, lr=${lr} momentum=${momentum} weightDecay=${wd}`, () => {
      const rng = new Rng(count);
      const p0 = randomF32(rng, count),
        v0 = new Float32Array(count);
      const grads = [randomF32(rng, count), randomF32(rng, count), randomF32(rng, count)];
      const finals: Float32Array[] = [];
      forEachConfig(native, configurations(native), () => {
        const p = p0.slice(),
          v = v0.slice();
        let ref: { params: Float64Array; velocity: Float64Array } = {
          params: Float64Array.from(p0),
          velocity: Float64Array.from(v0),
        };
        for (const g of grads) {
          native.sgdUpdate(p, g, v, lr, momentum, wd);
          ref = sgdRef(ref.params, g, ref.velocity, lr, momentum, wd);
          assertClose(p, ref.params, 'params', 1e-5);
          assertClose(v, ref.velocity, 'velocity', 1e-5);
        }
        finals.push(p, v);
      });
      for (let i = 2; i < finals.length; i++) assert.deepEqual(finals[i], finals[i % 2], 'same for every thread count');
    });
  }
}

test('sgd: the first momentum step equals plain SGD with the decayed gradient', () => {
  const p = new Float32Array([1, -2]),
    v = new Float32Array(2),
    g = new Float32Array([0.5, 0.25]);
  native.sgdUpdate(p, g, v, 0.1, 0.9, 0.01);
  assert.deepEqual(Array.from(v), [Math.fround(0.5 + 0.01 * 1), Math.fround(0.25 + 0.01 * -2)]);
  assertClose(p, new Float64Array([1 - 0.1 * 0.51, -2 - 0.1 * 0.23]), 'params', 1e-6);
});
