// Convolutions and dense layers in bf16 precision (setOpPrecision('bf16'), the per-op setting
// a network's precision: 'bf16' gives its layers), on every bf16 GEMM path this machine runs
// and with each convolution algorithm that has a bf16 form (im2col, implicit, and the rule's
// choice): forward, backward-data and backward-weights against float64 references of the
// bf16-rounded operands (fp32 rounding of the sums is the only error left), against the fp32
// references (bfloat16's tolerance), on 1 and 2 threads, and bitwise the same when repeated
// (backward-weights sums each thread's images apart, so the thread count may change the last
// bits, as in fp32). The bias and its gradient stay fp32.
import { describe, it, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon, type Conv2dShape } from '../test-addon';
import { Rng } from '../../src/train/rng';
import {
  assertClose,
  conv2dBackwardRef,
  conv2dRef,
  conv2dSizes,
  denseBackwardRef,
  denseRef,
  randomF32,
} from './reference';

const native = loadTestAddon();
const PATHS = ['amx', 'avx512bf16', 'portable'];
const initial = {
  path: native.gemmBf16Path(),
  threads: native.getThreads(),
  precision: native.opPrecision(),
  convPath: native.convPath(),
  fp32Path: native.gemmPath(),
};
// The per-op algorithm settings: im2col everywhere, the implicit GEMM wherever it applies
// (every shape here but the pointwise one; backward-data at stride 1), the direct kernels
// wherever they apply (forward and backward-data on channel pairs, backward-weights of 3x3
// filters on pairs of output positions), and the rule's choice.
const CONV_SETTINGS = ['gemm', 'implicit', 'direct', 'auto'];
// The direct kernels' bf16 tiles run on vdpbf16ps with the avx512bf16 and amx paths, and on
// the fp32 unit of the fp32 GEMM path in use with the portable one: each of those is tried.
const FP32_PATHS = ['avx512', 'avx2', 'portable'].filter((p) => {
  const before = native.gemmPath();
  const ok = native.setGemmPath(p);
  native.setGemmPath(before);
  return ok;
});

/** Every element rounded to the nearest bfloat16, ties to even (as the GEMM's packers round). */
function bf16(xs: Float32Array): Float32Array {
  const out = xs.slice();
  const u = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) u[i] = (((u[i] + 0x7fff + ((u[i] >>> 16) & 1)) >>> 16) << 16) >>> 0;
  return out;
}

const shape = (n: number, c: number, h: number, w: number, oc: number, k: number, s: number, p: number) =>
  ({ n, c, h, w, oc, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p }) satisfies Conv2dShape;

// Stride 1 "same" (the shifted-plane im2col), stride 2, 5x5 without padding, a pointwise
// convolution (x is its own column matrix), a batch of one (the parallel GEMM), an odd K;
// small planes whose images share one GEMM (conv2d_group.h: backward-weights' pixel pairs
// then cross from one image to the next), strided too, and a strided 1x1 convolution
// (its padded images outgrow its column matrix); and filters spanning several of the GEMM's
// K slices and row blocks on every path (packed once per call, then read block by block);
// a stride of 3 with a wider kernel (padded rows split into three phases of unequal use);
// output rows wider than a panel (a panel then copies one run per row of K); an even kernel at
// stride 2 (the direct backward-data's four output phases of two filter rows and columns each)
// with an odd number of filters (its last channel pair half empty); 3x3 at stride 2 without
// padding and with 2 (backward-weights' rows split into even and odd columns: the image's
// first column lands in the even half), odd widths among them.
const SHAPES: [string, Conv2dShape][] = [
  ['3x3 same, 16 -> 16 channels', shape(4, 16, 8, 8, 16, 3, 1, 1)],
  ['3x3 stride 2, 8 -> 24 channels', shape(3, 8, 9, 9, 24, 3, 2, 1)],
  ['5x5 valid, 3 -> 6 channels (odd K)', shape(2, 3, 12, 12, 6, 5, 1, 0)],
  ['1x1 pointwise, 32 -> 16 channels', shape(3, 32, 6, 6, 16, 1, 1, 0)],
  ['3x3 same, batch 1, 33 -> 40 channels', shape(1, 33, 7, 7, 40, 3, 1, 1)],
  ['3x3 same, 5x5 planes grouped, 32 -> 24 channels', shape(5, 32, 5, 5, 24, 3, 1, 1)],
  ['3x3 stride 2, 7x7 planes grouped, 32 -> 20 channels', shape(4, 32, 7, 7, 20, 3, 2, 1)],
  ['1x1 stride 2, 16 -> 32 channels', shape(3, 16, 8, 8, 32, 1, 2, 0)],
  ['3x3 same, 48 -> 176 channels', shape(2, 48, 6, 6, 176, 3, 1, 1)],
  ['5x5 stride 3 pad 2 on 13x11, 8 -> 16 channels', shape(2, 8, 13, 11, 16, 5, 3, 2)],
  ['3x3 same on 34x34 (panels of one output row), 4 -> 8 channels', shape(2, 4, 34, 34, 8, 3, 1, 1)],
  ['4x4 stride 2 pad 1 on 10x10, 6 -> 9 channels', shape(2, 6, 10, 10, 9, 4, 2, 1)],
  ['3x3 stride 2 unpadded on 9x11, 6 -> 20 channels', shape(2, 6, 9, 11, 20, 3, 2, 0)],
  ['3x3 stride 2 pad 2 on 8x8, 5 -> 16 channels', shape(2, 5, 8, 8, 16, 3, 2, 2)],
];

interface ConvResult {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

function runConv(s: Conv2dShape, x: Float32Array, w: Float32Array, b: Float32Array, dy: Float32Array): ConvResult {
  const z = conv2dSizes(s);
  const y = new Float32Array(z.y),
    dx = new Float32Array(z.x),
    dw = new Float32Array(z.w),
    db = new Float32Array(s.oc);
  native.conv2dForward(s, x, w, b, y);
  native.conv2dBackwardData(s, dy, w, dx, false);
  native.conv2dBackwardWeights(s, x, dy, dw, db);
  return { y, dx, dw, db };
}

function convInputs(s: Conv2dShape, seed: number) {
  const z = conv2dSizes(s);
  const rng = new Rng(seed);
  return {
    x: randomF32(rng, z.x, -2, 2),
    w: randomF32(rng, z.w, -0.5, 0.5),
    b: randomF32(rng, s.oc),
    dy: randomF32(rng, z.y, -1, 1),
  };
}

function denseInputs(n: number, inF: number, outF: number, seed: number) {
  const rng = new Rng(seed);
  return {
    x: randomF32(rng, n * inF, -2, 2),
    w: randomF32(rng, outF * inF, -0.5, 0.5),
    b: randomF32(rng, outF),
    dy: randomF32(rng, n * outF),
  };
}

function runDense(n: number, inF: number, outF: number, d: ReturnType<typeof denseInputs>) {
  const y = new Float32Array(n * outF),
    dx = new Float32Array(n * inF),
    dw = new Float32Array(outF * inF),
    db = new Float32Array(outF);
  native.denseForward(n, inF, outF, d.x, d.w, d.b, y);
  native.denseBackwardData(n, inF, outF, d.dy, d.w, dx, false);
  native.denseBackwardWeights(n, inF, outF, d.x, d.dy, dw, db);
  return { y, dx, dw, db };
}

// Relative to the largest reference value: fp32 sums of up to a few hundred terms (rounded
// operands), and bfloat16's 8 significant bits (unrounded operands).
const ROUNDED_TOL = 1e-5;
const BF16_TOL = 2 ** -6;

for (const path of PATHS) {
  describe(`bf16 convolution and dense, ${path} path`, () => {
    const available = native.setGemmBf16Path(path);
    after(() => {
      native.setGemmBf16Path(initial.path);
      native.setThreads(initial.threads);
      native.setOpPrecision(initial.precision);
      native.setConvPath(initial.convPath);
      native.setGemmPath(initial.fp32Path);
    });
    const skip = available ? false : `this machine cannot run the ${path} path`;
    const use = (threads: number, convPath = 'auto') => {
      assert.ok(native.setGemmBf16Path(path));
      assert.ok(native.setOpPrecision('bf16'));
      assert.ok(native.setConvPath(convPath));
      native.setThreads(threads);
    };

    it(
      'convolution: float64 sums of the rounded operands, fp32 within bfloat16 tolerance, repeatable',
      { skip },
      () => {
        SHAPES.forEach(([name, s], i) => {
          const { x, w, b, dy } = convInputs(s, 100 + i);
          const rounded = conv2dBackwardRef(s, bf16(x), bf16(w), bf16(dy));
          const roundedY = conv2dRef(s, bf16(x), bf16(w), b);
          const exact = conv2dBackwardRef(s, x, w, dy);
          const exactY = conv2dRef(s, x, w, b);
          const runs = [1, 2].flatMap((t) =>
            CONV_SETTINGS.flatMap((c) =>
              (c === 'direct' && path === 'portable' ? FP32_PATHS : [initial.fp32Path]).map((f) => [t, c, f] as const),
            ),
          );
          for (const [threads, setting, fp32Path] of runs) {
            use(threads, setting);
            assert.ok(native.setGemmPath(fp32Path));
            const got = runConv(s, x, w, b, dy);
            const at = `${name}, ${threads} threads, conv path ${setting}, fp32 path ${fp32Path}`;
            assert.deepEqual(runConv(s, x, w, b, dy), got, `${at}: repeated`);
            assertClose(got.y, roundedY, `${at}: y`, ROUNDED_TOL);
            assertClose(got.dx, rounded.dx, `${at}: dx`, ROUNDED_TOL);
            assertClose(got.dw, rounded.dw, `${at}: dw`, ROUNDED_TOL);
            assertClose(got.db, exact.db, `${at}: db (fp32)`, ROUNDED_TOL);
            assertClose(got.y, exactY, `${at}: y against fp32`, BF16_TOL);
            assertClose(got.dx, exact.dx, `${at}: dx against fp32`, BF16_TOL);
            assertClose(got.dw, exact.dw, `${at}: dw against fp32`, BF16_TOL);
          }
        });
      },
    );

    it(
      'convolution: the implicit forward sums im2col forward products: bitwise in its order, else to fp32 rounding',
      { skip },
      () => {
        // With an odd channel count the implicit panels are im2col's, pairs of K included. With
        // an even one the images are paired by channel (one tap of channels 2c and 2c + 1 per
        // pair of K): the same products in another order, so the same bits only where that
        // order is im2col's too, a 1x1 filter (padded, so not pointwise).
        const pointPadded = shape(2, 6, 5, 5, 8, 1, 1, 1);
        const cases: [string, Conv2dShape][] = [...SHAPES, ['1x1 padded, 6 -> 8 channels', pointPadded]];
        cases.forEach(([name, s], i) => {
          const { x, w, b } = convInputs(s, 200 + i);
          const z = conv2dSizes(s);
          for (const threads of [1, 2]) {
            const forward = (setting: string) => {
              use(threads, setting);
              const y = new Float32Array(z.y);
              native.conv2dForward(s, x, w, b, y);
              return y;
            };
            const implicit = forward('implicit'),
              im2col = forward('gemm');
            const at = `${name}, ${threads} threads`;
            if (s.c % 2 === 1 || (s.kh === 1 && s.kw === 1)) assert.deepEqual(implicit, im2col, at);
            else assertClose(implicit, im2col, at, ROUNDED_TOL);
          }
        });
      },
    );

    it(
      'convolution: the implicit backward-weights is bitwise the im2col one (same values, same sums)',
      { skip },
      () => {
        SHAPES.forEach(([name, s], i) => {
          const { x, dy } = convInputs(s, 300 + i);
          const z = conv2dSizes(s);
          for (const threads of [1, 2]) {
            const backwardWeights = (setting: string) => {
              use(threads, setting);
              const dw = new Float32Array(z.w),
                db = new Float32Array(s.oc);
              native.conv2dBackwardWeights(s, x, dy, dw, db);
              return { dw, db };
            };
            const implicit = backwardWeights('implicit'),
              im2col = backwardWeights('gemm');
            if (path !== 'amx') assert.deepEqual(implicit, im2col, `${name}, ${threads} threads`);
            else {
              // The implicit product runs transposed (taps as rows): its sums are the same, but
              // the order inside one AMX tile instruction is the hardware's, so only nearly.
              assertClose(implicit.dw, im2col.dw, `${name}, ${threads} threads: dw`, 1e-6);
              assert.deepEqual(implicit.db, im2col.db, `${name}, ${threads} threads: db`);
            }
          }
        });
      },
    );

    it('convolution: rounding is real (an operand bfloat16 cannot hold changes the result)', { skip }, () => {
      // 1 + 2^-9 rounds to 1 in bfloat16: the bf16 product is exactly 1, the fp32 one is not.
      const s = shape(1, 1, 1, 1, 1, 1, 1, 0);
      const y = new Float32Array(1);
      use(1);
      native.conv2dForward(s, new Float32Array([1 + 2 ** -9]), new Float32Array([1]), null, y);
      assert.equal(y[0], 1);
      native.setOpPrecision('fp32');
      native.conv2dForward(s, new Float32Array([1 + 2 ** -9]), new Float32Array([1]), null, y);
      assert.equal(y[0], Math.fround(1 + 2 ** -9));
    });

    it(
      'dense: float64 sums of the rounded operands, fp32 within bfloat16 tolerance, 1 and 2 threads bitwise',
      { skip },
      () => {
        for (const [n, inF, outF] of [
          [5, 37, 11],
          [64, 256, 10],
          [130, 150, 140],
        ]) {
          const d = denseInputs(n, inF, outF, n);
          use(1);
          const one = runDense(n, inF, outF, d);
          use(2);
          const two = runDense(n, inF, outF, d);
          for (const k of ['y', 'dx', 'dw', 'db'] as const)
            assert.deepEqual(two[k], one[k], `dense ${n}x${inF}x${outF}: ${k}`);
          const name = `dense ${n}x${inF}->${outF}`;
          const rounded = denseBackwardRef(n, inF, outF, bf16(d.x), bf16(d.w), bf16(d.dy));
          assertClose(one.y, denseRef(n, inF, outF, bf16(d.x), bf16(d.w), d.b), `${name}: y`, ROUNDED_TOL);
          assertClose(one.dx, rounded.dx, `${name}: dx`, ROUNDED_TOL);
          assertClose(one.dw, rounded.dw, `${name}: dw`, ROUNDED_TOL);
          const exact = denseBackwardRef(n, inF, outF, d.x, d.w, d.dy);
          assertClose(one.db, exact.db, `${name}: db (fp32)`, ROUNDED_TOL);
          assertClose(one.y, denseRef(n, inF, outF, d.x, d.w, d.b), `${name}: y against fp32`, BF16_TOL);
          assertClose(one.dw, exact.dw, `${name}: dw against fp32`, BF16_TOL);
        }
      },
    );
  });
}

describe('per-op precision', () => {
  it('accepts fp32 and bf16 only', () => {
    assert.equal(native.setOpPrecision('fp16'), false);
    assert.equal(native.opPrecision(), initial.precision);
    assert.ok(native.setOpPrecision('bf16'));
    assert.equal(native.opPrecision(), 'bf16');
    assert.ok(native.setOpPrecision('fp32'));
    assert.equal(native.opPrecision(), 'fp32');
  });
});
