// The direct small-channel convolution (native/kernels/conv2d_direct*) and the implicit-GEMM
// convolution (native/kernels/conv2d_implicit*) against the float64 reference, beside the
// im2col + GEMM path on the same shapes: the three conv paths (forced with setConvPath) x every GEMM path the CPU runs (which also picks the direct kernels' vector
// width) x 1 and 2 threads. Shapes: C = 1 and 3, OC = 6, 16, 20 (not a multiple of the
// vector width), 32 and more (tiles of two channel blocks), padding, stride 2, odd and non-square sizes, rows wider than one
// column block, kernels larger than one register tile (9x9), padding wider than the kernel
// (backward-data then falls back to GEMM), strided backward-data by output phases, batch 1
// and uneven splits over threads; between
// them both kernel variants (vectorised over output channels or over output columns). Then
// bitwise reproducibility run to run for a given thread count.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon, Conv2dShape } from '../test-addon';
import { Rng } from '../../src/train/rng';
import {
  add,
  assertClose,
  configurations,
  conv2dBackwardRef,
  conv2dRef,
  conv2dSizes,
  describeConfig,
  filled,
  forEachConfig,
  randomF32,
} from './reference';
import { CONV_RESULT_NAMES, conv2dRepeatRuns } from './conv2d-repeat';

const native = loadTestAddon();
const configs = configurations(native, true);
const CONV_PATHS = ['gemm', 'direct', 'implicit'];
const initialConvPath = native.convPath();
after(() => native.setConvPath(initialConvPath));

function shape(
  n: number,
  c: number,
  h: number,
  w: number,
  oc: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
): Conv2dShape {
  return { n, c, h, w, oc, kh, kw, sh, sw, ph, pw };
}

const shapes: [string, Conv2dShape][] = [
  ['LeNet C1-like: C=1, OC=6, 5x5, odd non-square input, batch 3', shape(3, 1, 13, 11, 6, 5, 5, 1, 1, 0, 0)],
  ['C=1, OC=6, 5x5 pad 2 (28x28-style same conv), batch 2', shape(2, 1, 9, 9, 6, 5, 5, 1, 1, 2, 2)],
  ['LeNet C2-like: C=6, OC=16, 5x5, batch 3', shape(3, 6, 10, 10, 16, 5, 5, 1, 1, 0, 0)],
  ['C=3, OC=20, 3x3 pad 1, odd non-square, batch 3', shape(3, 3, 9, 7, 20, 3, 3, 1, 1, 1, 1)],
  ['C=3, OC=16, 3x3 stride 2 pad 1, batch 3', shape(3, 3, 11, 9, 16, 3, 3, 2, 2, 1, 1)],
  ['C=2, OC=6, 5x5 stride 2 pad 2, batch 2', shape(2, 2, 12, 13, 6, 5, 5, 2, 2, 2, 2)],
  ['rows of 31 columns (several column blocks), OC=32, batch 2', shape(2, 2, 5, 31, 32, 3, 3, 1, 1, 1, 1)],
  ['9x9 kernel (taps beyond one register tile), pad 4, batch 2', shape(2, 2, 12, 10, 5, 9, 9, 1, 1, 4, 4)],
  ['padding wider than the kernel, 3x3, batch 3', shape(3, 2, 4, 5, 3, 3, 3, 1, 1, 3, 2)],
  ['2x3 kernel, pad 1x0, OC=1, batch 2', shape(2, 3, 6, 7, 1, 2, 3, 1, 1, 1, 0)],
  ['batch 1 (one thread works), C=3, OC=8', shape(1, 3, 8, 8, 8, 3, 3, 1, 1, 1, 1)],
  // Rows of 16 fill the vectors better than 12 channels: column-vectorised, channels in
  // blocks (8 + 4) and output rows in blocks with a remainder.
  ['OC=12 over rows of 16 columns, 3x3 pad 1, batch 3', shape(3, 2, 7, 16, 12, 3, 3, 1, 1, 1, 1)],
  ['LeNet C1 at full size: C=1, OC=6, 28x28 pad 2, batch 2', shape(2, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2)],
  [
    'rows of 34 columns (implicit panels of one output row), C=4, OC=8, 3x3 pad 1, batch 2',
    shape(2, 4, 5, 34, 8, 3, 3, 1, 1, 1, 1),
  ],
  // C*KH*KW >= 256 with small planes: the GEMM paths put several images in one product, and
  // the implicit path's column panels then span images (35 and 12 columns per image).
  ['C=32, OC=20, 3x3 pad 1 on 7x5 planes (images grouped), batch 5', shape(5, 32, 7, 5, 20, 3, 3, 1, 1, 1, 1)],
  ['C=30, OC=40, 3x3 stride 2 pad 1 on 7x5 planes (images grouped), batch 5', shape(5, 30, 7, 5, 40, 3, 3, 2, 2, 1, 1)],
  // Grouped images whose planes are whole panels (64 outputs): the implicit GEMM writes each
  // image's tiles straight into y.
  [
    'C=32, OC=40, 3x3 pad 1 on 8x8 planes (images grouped, written in place), batch 5',
    shape(5, 32, 8, 8, 40, 3, 3, 1, 1, 1, 1),
  ],
  // The direct kernels' two-channel-block tiles (from 16 input channels and 32 filters):
  // 5-wide filters, and rows of 13 (column blocks of 7 and 6, stored under masks; 3 positions
  // past backward-weights' groups of 4).
  [
    'C=16, OC=32, 5x5 pad 2, 11 wide (two channel blocks of 5-wide filters), batch 2',
    shape(2, 16, 5, 11, 32, 5, 5, 1, 1, 2, 2),
  ],
  [
    'C=16, OC=48, 3x3 pad 1, rows of 13 (two channel blocks, then one), batch 2',
    shape(2, 16, 4, 13, 48, 3, 3, 1, 1, 1, 1),
  ],
  // Strided backward-data runs one stride-1 convolution per output phase: even kernels (two
  // filter rows in each phase, or one), no padding (a phase's window then starts a row above
  // dy), odd sizes (phases of unequal rows), and padding a phase cannot reach (im2col then).
  ['4x4 stride 2 pad 1, C=3, OC=10, 10x9, batch 2', shape(2, 3, 10, 9, 10, 4, 4, 2, 2, 1, 1)],
  ['2x2 stride 2, C=4, OC=6, 9x7, batch 2', shape(2, 4, 9, 7, 6, 2, 2, 2, 2, 0, 0)],
  ['3x3 stride 2 pad 0, C=20, OC=18, 9x10, batch 3', shape(3, 20, 9, 10, 18, 3, 3, 2, 2, 0, 0)],
  ['3x3 stride 2 pad 2, C=5, OC=8, 7x7, batch 2', shape(2, 5, 7, 7, 8, 3, 3, 2, 2, 2, 2)],
];

interface Case {
  s: Conv2dShape;
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  r: Float32Array;
  y: Float64Array;
  yNoBias: Float64Array;
  dx: Float64Array;
  dw: Float64Array;
  db: Float64Array;
}

function makeCase(s: Conv2dShape, seed: number): Case {
  const rng = new Rng(seed);
  const sz = conv2dSizes(s);
  const x = randomF32(rng, sz.x),
    w = randomF32(rng, sz.w),
    b = randomF32(rng, s.oc),
    r = randomF32(rng, sz.y);
  return {
    s,
    x,
    w,
    b,
    r,
    y: conv2dRef(s, x, w, b),
    yNoBias: conv2dRef(s, x, w, null),
    ...conv2dBackwardRef(s, x, w, r),
  };
}

/** body() under each conv path, restoring the path after. */
function forEachConvPath(body: (path: string) => void): void {
  const before = native.convPath();
  try {
    for (const p of CONV_PATHS) {
      assert.ok(native.setConvPath(p), `conv path ${p}`);
      body(p);
    }
  } finally {
    native.setConvPath(before);
  }
}

test('conv2d paths: setConvPath accepts auto, gemm, direct and implicit and rejects other names', () => {
  const before = native.convPath();
  try {
    for (const p of ['gemm', 'direct', 'implicit', 'auto']) {
      assert.equal(native.setConvPath(p), true);
      assert.equal(native.convPath(), p);
    }
    assert.equal(native.setConvPath('winograd'), false);
    assert.equal(native.convPath(), 'auto');
    assert.throws(
      () => (native.setConvPath as unknown as (v: unknown) => boolean)(42),
      /setConvPath: name must be a string/,
    );
    assert.throws(() => (native.setConvPath as unknown as () => boolean)(), /setConvPath/);
  } finally {
    native.setConvPath(before);
  }
});

let seed = 700;
for (const [name, s] of shapes) {
  const caseSeed = seed++;
  test(`conv2d direct and gemm paths, ${name}: forward and backward match the reference`, () => {
    const k = makeCase(s, caseSeed);
    const sz = conv2dSizes(s);
    const rng = new Rng(caseSeed + 1000);
    forEachConvPath((convPath) =>
      forEachConfig(native, configs, (cfg) => {
        const where = `${name} (conv=${convPath} ${describeConfig(cfg)})`;
        const y = filled(sz.y, NaN);
        native.conv2dForward(s, k.x, k.w, k.b, y);
        assertClose(y, k.y, `${where}: y`);
        native.conv2dForward(s, k.x, k.w, null, y);
        assertClose(y, k.yNoBias, `${where}: y without bias`);

        const dx = filled(sz.x, NaN);
        native.conv2dBackwardData(s, k.r, k.w, dx, false);
        assertClose(dx, k.dx, `${where}: dx`);
        const dxBefore = randomF32(rng, sz.x);
        const dxAcc = dxBefore.slice();
        native.conv2dBackwardData(s, k.r, k.w, dxAcc, true);
        assertClose(dxAcc, add(dxBefore, k.dx), `${where}: dx accumulated`);

        const dwBefore = randomF32(rng, sz.w),
          dbBefore = randomF32(rng, s.oc);
        const dw = dwBefore.slice(),
          db = dbBefore.slice();
        native.conv2dBackwardWeights(s, k.x, k.r, dw, db);
        assertClose(dw, add(dwBefore, k.dw), `${where}: dw (+=)`);
        assertClose(db, add(dbBefore, k.db), `${where}: db (+=)`);
        const dwOnly = new Float32Array(sz.w);
        native.conv2dBackwardWeights(s, k.x, k.r, dwOnly, null);
        assertClose(dwOnly, k.dw, `${where}: dw without db`);
      }),
    );
  });
}

test('conv2d direct path: results repeat bit for bit for a given thread count, and 1 and 2 threads agree', () => {
  const s = shape(7, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0); // LeNet conv2, 7 images: split 3+4 over two threads
  const before = native.convPath();
  try {
    assert.ok(native.setConvPath('direct'));
    const runs = conv2dRepeatRuns(native, s, 77);
    if (runs[1] && runs[2]) {
      // Forward and backward-data do not depend on the thread count at all.
      assert.deepEqual(runs[2][0], runs[1][0], 'y, 2 threads vs 1');
      assert.deepEqual(runs[2][1], runs[1][1], 'dx, 2 threads vs 1');
      CONV_RESULT_NAMES.forEach((name, i) => assertClose(runs[2][i], runs[1][i], `${name}, 2 threads vs 1`, 1e-5));
    }
  } finally {
    native.setConvPath(before);
  }
});

test("conv2d implicit path: forward is bitwise the im2col path's (same GEMM sums), on every GEMM path and thread count", () => {
  const shapes: Conv2dShape[] = [
    shape(5, 32, 7, 5, 20, 3, 3, 1, 1, 1, 1),
    shape(3, 8, 9, 11, 12, 3, 3, 1, 1, 1, 1),
    shape(4, 30, 7, 5, 40, 3, 3, 2, 2, 1, 1),
  ];
  const before = native.convPath();
  try {
    shapes.forEach((s, n) => {
      const rng = new Rng(900 + n);
      const sz = conv2dSizes(s);
      const x = randomF32(rng, sz.x),
        w = randomF32(rng, sz.w),
        b = randomF32(rng, s.oc);
      forEachConfig(native, configs, (cfg) => {
        const out: Float32Array[] = [];
        for (const p of ['gemm', 'implicit']) {
          assert.ok(native.setConvPath(p));
          const y = filled(sz.y, NaN);
          native.conv2dForward(s, x, w, b, y);
          out.push(y);
        }
        assert.deepEqual(out[1], out[0], `shape ${n} (${describeConfig(cfg)}): implicit vs im2col forward`);
      });
    });
  } finally {
    native.setConvPath(before);
  }
});
