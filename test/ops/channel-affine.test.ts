// channelAffineForward / channelAffineBackward against the float64 reference and central
// finite differences of L = sum(y * r); optional shift and dx; accumulate semantics;
// threads 1 and 2, including a size large enough for the parallel path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';
import { Rng } from '../../src/train/rng';
import {
  add,
  assertClose,
  channelAffineRef,
  configurations,
  describeConfig,
  dot,
  filled,
  finiteDifference,
  forEachConfig,
  randomF32,
} from './reference';

const native = loadTestAddon();
const configs = configurations(native);

const cases: [number, number, number][] = [
  [1, 1, 1],
  [2, 3, 5],
  [3, 6, 25],
  [1, 4, 7],
  [16, 6, 1024],
]; // n, c, s

let seed = 1;
for (const [n, c, s] of cases) {
  const caseSeed = seed++;
  test(`channel affine n=${n} c=${c} s=${s}: forward and backward`, () => {
    const rng = new Rng(caseSeed);
    const count = n * c * s;
    const x = randomF32(rng, count),
      scale = randomF32(rng, c, 0.5, 2),
      shift = randomF32(rng, c),
      r = randomF32(rng, count);
    const yRef = channelAffineRef(n, c, s, x, scale, shift);
    const yNoShift = channelAffineRef(n, c, s, x, scale, null);
    // The op is linear in each argument, so a large step is exact; the big case uses sums.
    const small = count <= 1000;
    const dxRef = small
      ? finiteDifference((v) => dot(channelAffineRef(n, c, s, v, scale, shift), r), x, 0.5)
      : Float64Array.from(r, (g, i) => g * scale[Math.floor(i / s) % c]);
    const dscaleRef = finiteDifference((v) => dot(channelAffineRef(n, c, s, x, v, shift), r), scale, 0.5);
    const dshiftRef = finiteDifference((v) => dot(channelAffineRef(n, c, s, x, scale, v), r), shift, 0.5);
    const results: Float32Array[] = [];

    forEachConfig(native, configs, (cfg) => {
      const where = `(${describeConfig(cfg)})`;
      const y = filled(count, NaN);
      native.channelAffineForward(n, c, s, x, scale, shift, y);
      assertClose(y, yRef, `y ${where}`);
      native.channelAffineForward(n, c, s, x, scale, null, y);
      assertClose(y, yNoShift, `y without shift ${where}`);

      const dx = filled(count, NaN);
      const dscaleBefore = randomF32(rng, c),
        dshiftBefore = randomF32(rng, c);
      const dscale = dscaleBefore.slice(),
        dshift = dshiftBefore.slice();
      native.channelAffineBackward(n, c, s, x, scale, r, dx, dscale, dshift, false);
      assertClose(dx, dxRef, `dx ${where}`);
      assertClose(dscale, add(dscaleBefore, dscaleRef), `dscale (+=) ${where}`);
      assertClose(dshift, add(dshiftBefore, dshiftRef), `dshift (+=) ${where}`);

      const dxBefore = randomF32(rng, count),
        dxAcc = dxBefore.slice();
      const dscaleOnly = new Float32Array(c);
      native.channelAffineBackward(n, c, s, x, scale, r, dxAcc, dscaleOnly, null, true);
      assertClose(dxAcc, add(dxBefore, dxRef), `dx accumulated ${where}`);
      assertClose(dscaleOnly, dscaleRef, `dscale without dshift ${where}`);

      const dscaleNoDx = new Float32Array(c);
      native.channelAffineBackward(n, c, s, x, scale, r, null, dscaleNoDx, null, false);
      assert.deepEqual(dscaleNoDx, dscaleOnly, `dscale without dx ${where}`);
      results.push(dx, dscaleOnly);
    });
    for (let i = 2; i < results.length; i++)
      assert.deepEqual(results[i], results[i % 2], 'same for every thread count');
  });
}
