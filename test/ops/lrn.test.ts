// lrnForward / lrnBackward against PyTorch's LocalResponseNorm definition in float64: odd and
// even window sizes (PyTorch pads size/2 channels before, (size-1)/2 after), windows wider
// than the channel count, size 1, beta 0; backward against central finite differences of
// L = sum(y * r); accumulate; threads 1 and 2 bitwise equal, with a size large enough for the
// parallel path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';
import { Rng } from '../../src/train/rng';
import {
  add,
  assertClose,
  configurations,
  describeConfig,
  dot,
  filled,
  finiteDifference,
  forEachConfig,
  randomF32,
} from './reference';
import { type LrnSettings, lrnRef } from './reference-norm';

const native = loadTestAddon();
const configs = configurations(native);

const krizhevsky: LrnSettings = { size: 5, alpha: 1e-4, beta: 0.75, k: 2 };
// Larger alpha than AlexNet's so the normalisation term is not lost in the finite differences.
const cases: [string, number, number, number, LrnSettings][] = [
  // name, n, c, s, settings
  ['AlexNet settings', 2, 7, 6, krizhevsky],
  ['size 5, strong alpha', 2, 7, 6, { size: 5, alpha: 2, beta: 0.75, k: 1 }],
  ['even size 4', 2, 6, 5, { size: 4, alpha: 1.5, beta: 0.6, k: 1.5 }],
  ['size 2', 1, 5, 4, { size: 2, alpha: 1, beta: 1, k: 1 }],
  ['window wider than C', 3, 3, 4, { size: 9, alpha: 3, beta: 0.5, k: 0.5 }],
  ['size 1', 2, 4, 3, { size: 1, alpha: 1, beta: 0.75, k: 1 }],
  ['beta 0 (identity)', 1, 4, 3, { size: 3, alpha: 1, beta: 0, k: 1 }],
  ['one channel', 2, 1, 5, { size: 3, alpha: 2, beta: 0.75, k: 1 }],
  ['large (parallel)', 8, 16, 256, { size: 5, alpha: 1e-3, beta: 0.75, k: 2 }],
];

let seed = 1;
for (const [name, n, c, s, lrn] of cases) {
  const caseSeed = seed++;
  const count = n * c * s;
  test(`lrn ${name} (n=${n} c=${c} s=${s} size=${lrn.size}): forward and backward`, () => {
    const rng = new Rng(caseSeed);
    const x = randomF32(rng, count, -2, 2),
      r = randomF32(rng, count);
    const ref = lrnRef(n, c, s, lrn, x);
    const dxRef = count <= 500 ? finiteDifference((xv) => dot(lrnRef(n, c, s, lrn, xv).y, r), x) : null;
    const results: Float32Array[][] = [];
    forEachConfig(native, configs, (cfg) => {
      const where = `${name} (${describeConfig(cfg)})`;
      const y = filled(count, NaN),
        scale = filled(count, NaN);
      native.lrnForward(n, c, s, lrn, x, y, scale);
      assertClose(y, ref.y, `${where}: y`, 1e-5);
      assertClose(scale, ref.scale, `${where}: scale`, 1e-5);
      const dx = filled(count, NaN);
      native.lrnBackward(n, c, s, lrn, x, y, scale, r, dx, false);
      if (dxRef) assertClose(dx, dxRef, `${where}: dx`, 1e-4);
      const before = randomF32(rng, count),
        acc = before.slice();
      native.lrnBackward(n, c, s, lrn, x, y, scale, r, acc, true);
      assertClose(acc, add(before, dx), `${where}: dx accumulated`, 1e-6);
      results.push([y, scale, dx]);
    });
    for (const res of results)
      res.forEach((a, k) => assert.deepEqual(a, results[0][k], `${name}: output ${k} differs between thread counts`));
  });
}
