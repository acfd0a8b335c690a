// The pooling the model zoo adds without new kernels: AlexNet/ResNet's overlapping max pool
// 3x3 stride 2 (with and without padding, where a cell can win several windows and its
// gradient must be summed) and global average pooling (the whole plane as the kernel).
// Forward against the float64 reference, backward against central finite differences.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon, type Pool2dShape } from '../test-addon';
import { Rng } from '../../src/train/rng';
import {
  assertClose,
  avgPoolRef,
  configurations,
  describeConfig,
  distinctF32,
  dot,
  filled,
  finiteDifference,
  forEachConfig,
  maxPoolRef,
  poolSizes,
  randomF32,
} from './reference';

const native = loadTestAddon();
const configs = configurations(native);

const pool = (n: number, c: number, h: number, w: number, k: number, s: number, p: number): Pool2dShape => ({
  n,
  c,
  h,
  w,
  kh: k,
  kw: k,
  sh: s,
  sw: s,
  ph: p,
  pw: p,
});

const maxCases: [string, Pool2dShape][] = [
  ['3x3/2 no padding, odd input', pool(2, 3, 9, 9, 3, 2, 0)],
  ['3x3/2 no padding, even input', pool(2, 2, 8, 10, 3, 2, 0)],
  ['3x3/2 padding 1', pool(2, 3, 8, 8, 3, 2, 1)],
  ['3x3/2 padding 1, odd input', pool(1, 2, 7, 5, 3, 2, 1)],
];

for (const [name, s] of maxCases) {
  test(`max pool ${name}: forward and backward (overlapping windows sum their gradients)`, () => {
    const rng = new Rng(s.h * 31 + s.w);
    const sz = poolSizes(s);
    const x = distinctF32(rng, sz.x, 0.01),
      r = randomF32(rng, sz.y);
    const ref = maxPoolRef(s, x);
    const dxRef = finiteDifference((xv) => dot(maxPoolRef(s, xv).y, r), x, 1e-3);
    let shared = 0; // cells that won more than one window
    const wins = new Map<number, number>();
    const planeIn = s.h * s.w,
      planeOut = sz.y / (s.n * s.c);
    for (let o = 0; o < sz.y; o++) {
      const cell = Math.floor(o / planeOut) * planeIn + ref.argmax[o];
      wins.set(cell, (wins.get(cell) ?? 0) + 1);
    }
    for (const v of wins.values()) if (v > 1) shared++;
    assert.ok(shared > 0, 'the case has cells that win several windows');
    forEachConfig(native, configs, (cfg) => {
      const where = `${name} (${describeConfig(cfg)})`;
      const y = filled(sz.y, NaN),
        argmax = new Int32Array(sz.y);
      native.maxPoolForward(s, x, y, argmax);
      assertClose(y, ref.y, `${where}: y`, 0);
      const dx = filled(sz.x, NaN);
      native.maxPoolBackward(s, r, argmax, dx, false);
      assertClose(dx, dxRef, `${where}: dx`, 1e-4);
    });
  });
}

test('global average pooling (kernel = the whole plane): forward and backward', () => {
  const rng = new Rng(3);
  const s = { n: 3, c: 4, h: 5, w: 6, kh: 5, kw: 6, sh: 1, sw: 1, ph: 0, pw: 0 };
  const sz = poolSizes(s);
  assert.equal(sz.y, 12);
  const x = randomF32(rng, sz.x),
    r = randomF32(rng, sz.y);
  const dxRef = finiteDifference((xv) => dot(avgPoolRef(s, xv), r), x, 0.5);
  const y = new Float32Array(sz.y),
    dx = new Float32Array(sz.x);
  native.avgPoolForward(s, x, y);
  assertClose(y, avgPoolRef(s, x), 'y', 1e-6);
  native.avgPoolBackward(s, r, dx, false);
  assertClose(dx, dxRef, 'dx', 1e-5);
});
