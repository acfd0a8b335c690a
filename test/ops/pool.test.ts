// Max and average pooling against the float64 reference and central finite differences
// of L = sum(y * r), under threads 1 and 2. Max-pool inputs are distinct values spaced
// wider than the step, so no window has a tie and the finite differences never cross one;
// ties are tested separately (the first maximum wins).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon, Pool2dShape } from '../test-addon';
import { Rng } from '../../src/train/rng';
import {
  add,
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

function shape(
  n: number,
  c: number,
  h: number,
  w: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
): Pool2dShape {
  return { n, c, h, w, kh, kw, sh, sw, ph, pw };
}

const shapes: [string, Pool2dShape, boolean][] = [
  // name, shape, small enough for finite differences
  ['2x2 stride 2, C=1, batch 1', shape(1, 1, 4, 4, 2, 2, 2, 2, 0, 0), true],
  ['3x2 window, strides 2x1, pad 1, odd sizes, C=3, batch 3', shape(3, 3, 7, 5, 3, 2, 2, 1, 1, 1), true],
  ['3x3 stride 3 pad 1 with leftover', shape(2, 2, 8, 7, 3, 3, 3, 3, 1, 1), true],
  ['overlapping 3x3 stride 1 pad 1', shape(2, 3, 6, 6, 3, 3, 1, 1, 1, 1), true],
  ['1x1 window stride 2', shape(3, 1, 5, 5, 1, 1, 2, 2, 0, 0), true],
  ['window as large as the input', shape(2, 2, 3, 4, 3, 4, 1, 1, 0, 0), true],
  ['large batch (parallel over planes)', shape(4, 16, 32, 32, 3, 3, 2, 2, 1, 1), false],
];

const STEP = 1e-3;

let seed = 1;
for (const [name, s, finiteDiff] of shapes) {
  const caseSeed = seed++;

  test(`max pool ${name}: forward, argmax and backward`, () => {
    const rng = new Rng(caseSeed);
    const sz = poolSizes(s);
    const x = distinctF32(rng, sz.x, 0.01),
      r = randomF32(rng, sz.y);
    const ref = maxPoolRef(s, x);
    // The gradient of a max is r routed to the winner; finite differences confirm it.
    const dxRef = new Float64Array(sz.x);
    const planeIn = s.h * s.w,
      planeOut = sz.y / (s.n * s.c);
    for (let o = 0; o < sz.y; o++) dxRef[Math.floor(o / planeOut) * planeIn + ref.argmax[o]] += r[o];
    if (finiteDiff)
      assertClose(
        finiteDifference((xv) => dot(maxPoolRef(s, xv).y, r), x, STEP),
        dxRef,
        'reference dx',
        1e-6,
      );

    forEachConfig(native, configs, (cfg) => {
      const where = `${name} (${describeConfig(cfg)})`;
      const y = filled(sz.y, NaN),
        argmax = new Int32Array(sz.y).fill(-7);
      native.maxPoolForward(s, x, y, argmax);
      assertClose(y, ref.y, `${where}: y`, 0);
      assert.deepEqual(argmax, ref.argmax, `${where}: argmax`);

      const dx = filled(sz.x, NaN);
      native.maxPoolBackward(s, r, argmax, dx, false);
      assertClose(dx, dxRef, `${where}: dx`);
      const before = randomF32(rng, sz.x),
        acc = before.slice();
      native.maxPoolBackward(s, r, argmax, acc, true);
      assertClose(acc, add(before, dxRef), `${where}: dx accumulated`);
    });
  });

  test(`average pool ${name}: forward and backward`, () => {
    const rng = new Rng(caseSeed + 100);
    const sz = poolSizes(s);
    const x = randomF32(rng, sz.x),
      r = randomF32(rng, sz.y);
    const yRef = avgPoolRef(s, x);
    const dxRef = finiteDiff ? finiteDifference((xv) => dot(avgPoolRef(s, xv), r), x, STEP) : null;

    const results: Float32Array[] = [];
    forEachConfig(native, configs, (cfg) => {
      const where = `${name} (${describeConfig(cfg)})`;
      const y = filled(sz.y, NaN);
      native.avgPoolForward(s, x, y);
      assertClose(y, yRef, `${where}: y`);

      const dx = filled(sz.x, NaN);
      native.avgPoolBackward(s, r, dx, false);
      if (dxRef) assertClose(dx, dxRef, `${where}: dx`);
      const before = randomF32(rng, sz.x),
        acc = before.slice();
      native.avgPoolBackward(s, r, acc, true);
      assertClose(acc, add(before, dx), `${where}: dx accumulated`);
      results.push(dx);
    });
    for (const dx of results) assertClose(dx, results[0], `${name}: dx equal for every thread count`, 1e-6);
  });
}

// The fp32 GEMM paths this machine runs: max pooling at column stride 2 takes the path's
// vector unit (pool_stride2.h) where it has one, so each test below runs under each.
const GEMM_PATHS = ['avx512', 'avx2', 'portable'];
function forEachGemmPath(body: (path: string) => void): void {
  const initial = native.gemmPath();
  try {
    for (const path of GEMM_PATHS) if (native.setGemmPath(path)) body(path);
  } finally {
    native.setGemmPath(initial);
  }
}

// Padded windows (the general loop), unpadded 3x3 stride 2 (its own loop, and the vector
// unit's) over rows of more than one vector of outputs, and 3x3 stride 3.
const tieShapes: [string, Pool2dShape][] = [
  ['3x3 stride 2 pad 1', shape(2, 2, 5, 5, 3, 3, 2, 2, 1, 1)],
  ['3x3 stride 2 unpadded, 66 outputs a row', shape(1, 2, 7, 133, 3, 3, 2, 2, 0, 0)],
  ['3x3 stride 3 unpadded', shape(1, 2, 7, 10, 3, 3, 3, 3, 0, 0)],
];

for (const [name, s] of tieShapes) {
  test(`max pool ${name}: ties go to the first maximum in the window, padding never wins`, () => {
    forEachGemmPath((path) => {
      // Constant planes: every cell ties, so each argmax is its window's top-left real cell.
      const sz = poolSizes(s);
      for (const value of [0, -3, -Infinity]) {
        const x = filled(sz.x, value);
        const y = new Float32Array(sz.y),
          argmax = new Int32Array(sz.y);
        native.maxPoolForward(s, x, y, argmax);
        assert.deepEqual(argmax, maxPoolRef(s, x).argmax, `${path}: argmax for a constant ${value}`);
        assert.ok(
          y.every((v) => v === value),
          `${path}: y for a constant ${value}`,
        );
      }
      // Three values only: most windows tie for their maximum somewhere inside.
      const rng = new Rng(s.w);
      const x = Float32Array.from({ length: sz.x }, () => Math.floor(rng.next() * 3));
      const y = new Float32Array(sz.y),
        argmax = new Int32Array(sz.y);
      native.maxPoolForward(s, x, y, argmax);
      const ref = maxPoolRef(s, x);
      assert.deepEqual(argmax, ref.argmax, `${path}: argmax with ties inside windows`);
      assert.deepEqual(Array.from(y), Array.from(ref.y), `${path}: y with ties inside windows`);
    });
  });
}

// Column stride 2 without padding, where the vector unit takes over: odd and even plane
// widths, rows of 1 to 18 outputs, a 3x2 window at row stride 1 and 5x5 windows, with
// NaNs among the values and ties: every path gives the bits of the scalar loops.
const stride2Shapes: [string, Pool2dShape][] = [
  ['3x3 on 32x32 (AlexNet)', shape(2, 3, 32, 32, 3, 3, 2, 2, 0, 0)],
  ['3x3 on 15x15', shape(2, 3, 15, 15, 3, 3, 2, 2, 0, 0)],
  ['3x3 on 3x37', shape(1, 2, 3, 37, 3, 3, 2, 2, 0, 0)],
  ['3x2 at strides 1x2 on 6x9', shape(2, 2, 6, 9, 3, 2, 1, 2, 0, 0)],
  ['5x5 on 11x12', shape(1, 2, 11, 12, 5, 5, 2, 2, 0, 0)],
];

for (const [name, s] of stride2Shapes) {
  test(`max pool at column stride 2, ${name}: every GEMM path's unit gives the same bits, NaNs and ties included`, () => {
    const sz = poolSizes(s);
    const rng = new Rng(s.h * 100 + s.w);
    const x = Float32Array.from({ length: sz.x }, () => {
      const u = rng.next();
      return u < 0.03 ? NaN : Math.floor(u * 5) - 2;
    });
    const results: { path: string; y: Float32Array; argmax: Int32Array }[] = [];
    forEachGemmPath((path) => {
      const y = filled(sz.y, 7),
        argmax = new Int32Array(sz.y).fill(-7);
      native.maxPoolForward(s, x, y, argmax);
      results.push({ path, y, argmax });
    });
    const ref = maxPoolRef(s, x);
    for (const r of results) {
      assert.deepEqual(Array.from(r.argmax), Array.from(ref.argmax), `${r.path}: argmax`);
      assert.deepEqual(Array.from(r.y), Array.from(ref.y), `${r.path}: y`);
    }
  });
}

test('average pool counts padded cells in the divisor (count_include_pad)', () => {
  const s = shape(1, 1, 2, 2, 2, 2, 1, 1, 1, 1);
  const y = new Float32Array(9);
  native.avgPoolForward(s, filled(4, 1), y);
  // Corner windows hold one real cell of four, edges two, the centre four.
  assert.deepEqual(Array.from(y), [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25]);
});
