// conv2dForward / conv2dBackwardData / conv2dBackwardWeights against the float64 reference
// and against central finite differences of L = sum(y * r), under threads 1 and 2 and every
// GEMM path the CPU runs. Shapes cover stride 2 and 3, padding (even wider than the kernel),
// odd and non-square sizes, C = 1 and 3, batch 1 (the GEMM-parallel path) and 3 (uneven
// split over threads), 1x1 kernels with and without the im2col shortcut, the shifted-plane
// im2col of stride-1 "same" convolutions at its edges, and batches that run in grouped
// GEMMs, split into uneven groups.
import { test } from 'node:test';
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
  dot,
  filled,
  finiteDifference,
  forEachConfig,
  randomF32,
} from './reference';
import { CONV_RESULT_NAMES, conv2dRepeatRuns } from './conv2d-repeat';

const native = loadTestAddon();
const configs = configurations(native, true);

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

// Small enough for finite differences over every input and weight.
const smallShapes: [string, Conv2dShape][] = [
  ['3x3, C=1, batch 1', shape(1, 1, 5, 5, 2, 3, 3, 1, 1, 0, 0)],
  ['3x3 stride 2 pad 1, C=3, batch 3, odd non-square input', shape(3, 3, 7, 6, 4, 3, 3, 2, 2, 1, 1)],
  ['2x3 kernel, strides 3x2, pad 1x0', shape(2, 3, 9, 8, 3, 2, 3, 3, 2, 1, 0)],
  ['1x1 stride 1 (no im2col)', shape(3, 3, 6, 5, 5, 1, 1, 1, 1, 0, 0)],
  ['1x1 stride 2', shape(1, 2, 5, 7, 3, 1, 1, 2, 2, 0, 0)],
  ['1x1 with padding', shape(2, 2, 3, 3, 2, 1, 1, 1, 1, 1, 1)],
  ['5x5 kernel larger than the input, pad 2', shape(2, 1, 4, 4, 2, 5, 5, 1, 1, 2, 2)],
  ['padding wider than the kernel', shape(3, 2, 4, 5, 2, 3, 3, 1, 2, 3, 2)],
  ['stride 3 with leftover rows', shape(3, 3, 8, 10, 2, 2, 2, 3, 3, 0, 1)],
  // Stride 1 with OW == W takes the shifted-plane im2col/col2im; these are its edges.
  ['same 3x3 on a single-row input (kernel rows wholly in the padding)', shape(2, 2, 1, 3, 2, 3, 3, 1, 1, 1, 1)],
  ['same width, vertical padding wider than the kernel', shape(2, 1, 2, 4, 2, 5, 3, 1, 1, 3, 1)],
  ['1x3 kernel padded in width only', shape(2, 2, 4, 5, 3, 1, 3, 1, 1, 0, 1)],
  ['3x1 kernel padded in height only', shape(2, 2, 4, 5, 3, 3, 1, 1, 1, 1, 0)],
];

// Larger: checked against the reference adjoint rather than finite differences.
const largeShapes: [string, Conv2dShape][] = [
  ['LeNet C1-like, batch 4', shape(4, 1, 32, 32, 6, 5, 5, 1, 1, 0, 0)],
  ['3 channels 5x5 pad 2, batch 5', shape(5, 3, 13, 11, 8, 5, 5, 1, 1, 2, 2)],
  ['1x1 pointwise, batch 3', shape(3, 16, 9, 9, 12, 1, 1, 1, 1, 0, 0)],
  ['1x1 pointwise, batch 7', shape(7, 8, 5, 5, 6, 1, 1, 1, 1, 0, 0)],
  // Images go through GEMM in groups (at most about 1024 columns, bounded to 1 MiB of
  // buffers but at least about 512 columns, when C*KH*KW >= 256): groups of 2 for 20x15
  // outputs, so batch 11 splits unevenly (2+2+2+2+2+1; per thread 2+2+1 and 2+2+2).
  ['same 3x3, images grouped unevenly, batch 11', shape(11, 32, 20, 15, 5, 3, 3, 1, 1, 1, 1)],
  ['wide input: the group bounded by its buffer size (20 images), batch 45', shape(45, 40, 6, 6, 4, 3, 3, 1, 1, 1, 1)],
  [
    'wider input: the group kept at 512 columns (15 images) past its buffer size, batch 17',
    shape(17, 256, 6, 6, 4, 3, 3, 1, 1, 1, 1),
  ],
  ['3x3 stride 2 pad 1 (downsampling), grouped, batch 6', shape(6, 32, 10, 10, 6, 3, 3, 2, 2, 1, 1)],
  ['1x1 stride 2, grouped, batch 5', shape(5, 256, 9, 9, 4, 1, 1, 2, 2, 0, 0)],
  ['5x5 pad 2 with 7x7 planes (AlexNet-like), batch 9', shape(9, 12, 7, 7, 7, 5, 5, 1, 1, 2, 2)],
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

function makeCase(s: Conv2dShape, seed: number, finiteDiff: boolean): Case {
  const rng = new Rng(seed);
  const sz = conv2dSizes(s);
  const x = randomF32(rng, sz.x),
    w = randomF32(rng, sz.w),
    b = randomF32(rng, s.oc),
    r = randomF32(rng, sz.y);
  const y = conv2dRef(s, x, w, b),
    yNoBias = conv2dRef(s, x, w, null);
  if (!finiteDiff) return { s, x, w, b, r, y, yNoBias, ...conv2dBackwardRef(s, x, w, r) };
  const dx = finiteDifference((xv) => dot(conv2dRef(s, xv, w, b), r), x);
  const dw = finiteDifference((wv) => dot(conv2dRef(s, x, wv, b), r), w);
  const db = finiteDifference((bv) => dot(conv2dRef(s, x, w, bv), r), b);
  return { s, x, w, b, r, y, yNoBias, dx, dw, db };
}

function checkCase(name: string, k: Case): void {
  const sz = conv2dSizes(k.s);
  const rng = new Rng(99);
  forEachConfig(native, configs, (cfg) => {
    const where = `${name} (${describeConfig(cfg)})`;

    const y = filled(sz.y, NaN); // forward overwrites
    native.conv2dForward(k.s, k.x, k.w, k.b, y);
    assertClose(y, k.y, `${where}: y`);
    native.conv2dForward(k.s, k.x, k.w, null, y);
    assertClose(y, k.yNoBias, `${where}: y without bias`);

    const dx = filled(sz.x, NaN); // accumulate=false overwrites whatever was there
    native.conv2dBackwardData(k.s, k.r, k.w, dx, false);
    assertClose(dx, k.dx, `${where}: dx`);
    const dxBefore = randomF32(rng, sz.x);
    const dxAcc = dxBefore.slice();
    native.conv2dBackwardData(k.s, k.r, k.w, dxAcc, true);
    assertClose(dxAcc, add(dxBefore, k.dx), `${where}: dx accumulated`);

    const dwBefore = randomF32(rng, sz.w),
      dbBefore = randomF32(rng, k.s.oc);
    const dw = dwBefore.slice(),
      db = dbBefore.slice();
    native.conv2dBackwardWeights(k.s, k.x, k.r, dw, db);
    assertClose(dw, add(dwBefore, k.dw), `${where}: dw (+=)`);
    assertClose(db, add(dbBefore, k.db), `${where}: db (+=)`);
    const dwOnly = new Float32Array(sz.w);
    native.conv2dBackwardWeights(k.s, k.x, k.r, dwOnly, null);
    assertClose(dwOnly, k.dw, `${where}: dw without db`);
  });
}

let seed = 1;
for (const [name, s] of smallShapes) {
  const caseSeed = seed++;
  test(`conv2d ${name}: forward and backward match the reference and finite differences`, () => {
    checkCase(name, makeCase(s, caseSeed, true));
  });
}
for (const [name, s] of largeShapes) {
  const caseSeed = seed++;
  test(`conv2d ${name}: forward and backward match the reference`, () => {
    checkCase(name, makeCase(s, caseSeed, false));
  });
}

test('conv2d: finite differences agree with the reference adjoint (the large-shape oracle)', () => {
  const k = makeCase(shape(2, 2, 6, 5, 3, 3, 2, 2, 1, 1, 1), 500, true);
  const adj = conv2dBackwardRef(k.s, k.x, k.w, k.r);
  assertClose(adj.dx, k.dx, 'dx', 1e-8);
  assertClose(adj.dw, k.dw, 'dw', 1e-8);
  assertClose(adj.db, k.db, 'db', 1e-8);
});

// The second shape runs in grouped GEMMs (6x6 planes: groups of 24 images, so 24+24+22
// on one thread and 24+11 on each of two).
for (const s of [shape(5, 3, 12, 12, 6, 3, 3, 1, 1, 1, 1), shape(70, 32, 6, 6, 8, 3, 3, 1, 1, 1, 1)]) {
  test(`conv2d: results for one thread count are reproducible, and 1 and 2 threads agree (batch ${s.n})`, () => {
    const runs = conv2dRepeatRuns(native, s, 7);
    if (runs[1] && runs[2])
      CONV_RESULT_NAMES.forEach((name, i) => assertClose(runs[2][i], runs[1][i], `${name}, 2 threads vs 1`, 1e-5));
  });
}
