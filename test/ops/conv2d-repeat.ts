// Shared by the conv2d tests of both paths: run forward, backward-data and backward-weights
// twice under every configuration (GEMM path x thread count), assert each repeats bit for bit,
// and return the first run's [y, dx, dw, db] per thread count for cross-count comparisons.
import assert from 'node:assert/strict';
import type { Conv2dShape, TestAddon } from '../test-addon';
import { Rng } from '../../src/train/rng';
import { configurations, conv2dSizes, forEachConfig, randomF32 } from './reference';

export const CONV_RESULT_NAMES = ['y', 'dx', 'dw', 'db'];

export function conv2dRepeatRuns(native: TestAddon, s: Conv2dShape, seed: number): Record<number, Float32Array[]> {
  const rng = new Rng(seed);
  const sz = conv2dSizes(s);
  const x = randomF32(rng, sz.x),
    w = randomF32(rng, sz.w),
    b = randomF32(rng, s.oc),
    r = randomF32(rng, sz.y);
  const runs: Record<number, Float32Array[]> = {};
  forEachConfig(native, configurations(native), (cfg) => {
    const results: Float32Array[][] = [];
    for (let rep = 0; rep < 2; rep++) {
      const y = new Float32Array(sz.y),
        dx = new Float32Array(sz.x);
      const dw = new Float32Array(sz.w),
        db = new Float32Array(s.oc);
      native.conv2dForward(s, x, w, b, y);
      native.conv2dBackwardData(s, r, w, dx, false);
      native.conv2dBackwardWeights(s, x, r, dw, db);
      results.push([y, dx, dw, db]);
    }
    CONV_RESULT_NAMES.forEach((name, i) =>
      assert.deepEqual(results[0][i], results[1][i], `${name} repeats bit for bit with ${cfg.threads} threads`),
    );
    runs[cfg.threads] = results[0];
  });
  return runs;
}
