// Activations against the float64 reference; backward (computed from the output y) against
// central finite differences of L = sum(f(x) * r). ReLU inputs stay away from 0, where it
// has no derivative. Also: in-place forward and backward, accumulate, large arrays (the
// parallel path) under 1 and 2 threads.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon, ActivationKind } from '../test-addon';
import { Rng } from '../../src/train/rng';
import {
  activationRef,
  activationScalar,
  add,
  assertClose,
  configurations,
  describeConfig,
  filled,
  forEachConfig,
  randomF32,
} from './reference';

const native = loadTestAddon();
const configs = configurations(native);
const kinds: ActivationKind[] = ['relu', 'tanh', 'sigmoid', 'scaled-tanh'];
const STEP = 1e-4;

/** Inputs in [-4, 4] at least 0.05 from zero (ReLU's kink), plus a few saturating ones. */
function inputs(rng: Rng, count: number): Float32Array {
  const x = randomF32(rng, count, -4, 4);
  for (let i = 0; i < count; i++) if (Math.abs(x[i]) < 0.05) x[i] = x[i] < 0 ? -0.05 - x[i] : 0.05 + x[i];
  if (count > 4) x.set([30, -30, 90, -90]);
  return x;
}

/** d/dx f at each x, as a central difference in float64. */
function derivativeFd(kind: ActivationKind, x: Float32Array): Float64Array {
  return Float64Array.from(
    x,
    (v) => (activationScalar(kind, v + STEP) - activationScalar(kind, v - STEP)) / (2 * STEP),
  );
}

for (const kind of kinds) {
  for (const count of [1, 7, 1000, 100_003]) {
    test(`${kind} on ${count} elements: forward, backward, accumulate, in place`, () => {
      const rng = new Rng(count + kind.length);
      const x = inputs(rng, count),
        r = randomF32(rng, count);
      const yRef = activationRef(kind, x);
      const d = derivativeFd(kind, x);
      const dxRef = Float64Array.from(d, (v, i) => v * r[i]);
      const results: Float32Array[] = [];

      forEachConfig(native, configs, (cfg) => {
        const where = `${kind} (${describeConfig(cfg)})`;
        const y = filled(count, NaN);
        native.activationForward(kind, x, y);
        assertClose(y, yRef, `${where}: y`, 1e-6);

        const dx = filled(count, NaN);
        native.activationBackward(kind, y, r, dx, false);
        assertClose(dx, dxRef, `${where}: dx`, 1e-4);
        const before = randomF32(rng, count),
          acc = before.slice();
        native.activationBackward(kind, y, r, acc, true);
        assertClose(acc, add(before, dx), `${where}: dx accumulated`, 1e-6);

        const inPlace = x.slice();
        native.activationForward(kind, inPlace, inPlace);
        assert.deepEqual(inPlace, y, `${where}: in-place forward`);
        const grad = r.slice();
        native.activationBackward(kind, y, grad, grad, false);
        assert.deepEqual(grad, dx, `${where}: in-place backward (dx is dy)`);
        results.push(y, dx);
      });
      for (let i = 2; i < results.length; i++)
        assert.deepEqual(results[i], results[i % 2], `${kind}: same for every thread count`);
    });
  }
}

test('activations stay finite at extreme inputs', () => {
  const x = new Float32Array([-1e30, -100, -0, 0, 100, 1e30, 3.4e38, -3.4e38]);
  for (const kind of kinds) {
    const y = new Float32Array(x.length);
    native.activationForward(kind, x, y);
    assert.ok(y.every(Number.isFinite), `${kind}: ${Array.from(y)}`);
    assertClose(y, activationRef(kind, x), `${kind}: y`, 1e-6);
  }
});
