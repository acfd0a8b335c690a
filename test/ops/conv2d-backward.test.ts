// The layer's whole convolution backward (conv2d.h's conv2d_backward), which runs
// backward-weights and backward-data image by image in one pass where both take the direct
// kernels and an image's buffers fit the cache, with a fused ReLU's mask applied to each
// image's gradient there (in bf16 the mask, the bias gradient's sums and the rounding of dy
// are one pass): its dw, db and dx must be bitwise those of the mask (activationBackward)
// and the two ops run one after the other, in fp32 and bf16 (on each bf16 unit the machine
// has), on every conv path, GEMM path and thread count, with and without the mask, with dx
// wanted or not, written or accumulated. And where the mask ran in the separate pass,
// dyMasked holds the masked gradient.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon, Conv2dShape } from '../test-addon';
import { Rng } from '../../src/train/rng';
import { configurations, conv2dSizes, describeConfig, forEachConfig, randomF32, RunConfig } from './reference';

const native = loadTestAddon();
const configs = configurations(native, true);
const initial = { convPath: native.convPath(), precision: native.opPrecision(), bf16Path: native.gemmBf16Path() };
after(() => {
  native.setConvPath(initial.convPath);
  native.setOpPrecision(initial.precision);
  native.setGemmBf16Path(initial.bf16Path);
});
// bf16 runs on each bf16 unit this machine has (the fused pass that masks, sums and rounds dy
// has a vector form and a portable one); fp32 on the one in use, which it does not touch.
const BF16_PATHS = ['amx', 'avx512bf16', 'portable'].filter((p) => native.setGemmBf16Path(p));
native.setGemmBf16Path(initial.bf16Path);
const precisions: [string, string][] = [
  ['fp32', initial.bf16Path],
  ...BF16_PATHS.map((p): [string, string] => ['bf16', p]),
];

const shape = (n: number, c: number, h: number, w: number, oc: number, k: number, s: number, p: number) =>
  ({ n, c, h, w, oc, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p }) satisfies Conv2dShape;

// 3x3 stride 1 with even and odd rows (bf16 backward-weights pairs output positions), one
// and two blocks of 16 output channels and a remainder, an odd channel count (bf16 pairs
// channels), 5x5 (fp32 direct only), stride 2 (backward-data by output phases; bf16's
// backward-weights is not direct there), a batch smaller than the thread count, and a batch
// of five split into uneven chunks.
const SHAPES: [string, Conv2dShape][] = [
  ['3x3 same, 16 -> 16 channels, 8x8', shape(4, 16, 8, 8, 16, 3, 1, 1)],
  ['3x3 same, 33 -> 40 channels, 7x7', shape(3, 33, 7, 7, 40, 3, 1, 1)],
  ['3x3 same, 5 -> 32 channels, 6x10', shape(5, 5, 6, 10, 32, 3, 1, 1)],
  ['5x5 pad 2, 6 -> 16 channels, 9x9', shape(3, 6, 9, 9, 16, 5, 1, 2)],
  ['3x3 stride 2, 8 -> 24 channels, 9x9', shape(3, 8, 9, 9, 24, 3, 2, 1)],
  ['3x3 same, batch 1, 16 -> 20 channels', shape(1, 16, 6, 6, 20, 3, 1, 1)],
];

function bitsEqual(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < a.length; i++)
    if (a[i] !== e[i]) assert.fail(`${what}[${i}]: ${actual[i]} where the separate ops give ${expected[i]}`);
}

for (const [precision, bf16Path] of precisions)
  for (const convPath of ['direct', 'auto', 'gemm'])
    for (const [name, s] of SHAPES)
      test(`conv2dBackward = mask + backward-weights + backward-data (${precision} ${bf16Path}, ${convPath}): ${name}`, () =>
        compareWithSeparateOps(s, precision, convPath, configs, bf16Path));

// Planes of 96x96 take the separate passes even on the direct kernels (an image's buffers
// would outgrow the cache); one configuration of threads and GEMM path each.
for (const precision of ['fp32', 'bf16'])
  test(`conv2dBackward = the separate ops on images too large for one pass (${precision})`, () =>
    compareWithSeparateOps(
      shape(2, 16, 96, 96, 16, 3, 1, 1),
      precision,
      'direct',
      [configs[configs.length - 1]],
      initial.bf16Path,
    ));

function compareWithSeparateOps(
  s: Conv2dShape,
  precision: string,
  convPath: string,
  runConfigs: RunConfig[],
  bf16Path: string,
): void {
  assert.ok(native.setGemmBf16Path(bf16Path));
  assert.ok(native.setOpPrecision(precision));
  assert.ok(native.setConvPath(convPath));
  const z = conv2dSizes(s);
  const rng = new Rng(17);
  const x = randomF32(rng, z.x, -2, 2);
  const w = randomF32(rng, z.w, -0.5, 0.5);
  const dy = randomF32(rng, z.y, -1, 1);
  const reluY = randomF32(rng, z.y, -1, 1).map((v) => Math.max(v, 0)); // about half masked
  const dwStart = randomF32(rng, z.w, -1, 1);
  const dbStart = randomF32(rng, s.oc, -1, 1);
  const dxStart = randomF32(rng, z.x, -1, 1);
  const dyBefore = dy.slice();
  forEachConfig(native, runConfigs, (c) => {
    for (const relu of [false, true])
      for (const dxMode of ['none', 'write', 'accumulate'] as const) {
        const what = `${describeConfig(c)} relu=${relu} dx=${dxMode}`;
        // The separate passes.
        const masked = new Float32Array(z.y);
        if (relu) native.activationBackward('relu', reluY, dy, masked, false);
        const dyUsed = relu ? masked : dy;
        const dwSep = dwStart.slice(),
          dbSep = dbStart.slice(),
          dxSep = dxStart.slice();
        native.conv2dBackwardWeights(s, x, dyUsed, dwSep, dbSep);
        if (dxMode !== 'none') native.conv2dBackwardData(s, dyUsed, w, dxSep, dxMode === 'accumulate');
        // The whole backward.
        const dyMasked = new Float32Array(z.y).fill(7);
        const dw = dwStart.slice(),
          db = dbStart.slice(),
          dx = dxStart.slice();
        native.conv2dBackward(
          s,
          x,
          dy,
          relu ? reluY : null,
          dyMasked,
          w,
          dw,
          db,
          dxMode === 'none' ? null : dx,
          dxMode === 'accumulate',
        );
        bitsEqual(dw, dwSep, `${what} dw`);
        bitsEqual(db, dbSep, `${what} db`);
        bitsEqual(dx, dxSep, `${what} dx`);
        bitsEqual(dy, dyBefore, `${what} dy (an input)`);
        // dyMasked: untouched, or the masked gradient.
        const untouched = dyMasked.every((v) => v === 7);
        if (!relu) assert.ok(untouched, `${what}: dyMasked written without a mask`);
        else if (!untouched) bitsEqual(dyMasked, masked, `${what} dyMasked`);
      }
  });
}

test('conv2dBackward takes the one-pass path where both ops run the direct kernels on images that fit the cache', () => {
  // The one-pass path leaves dyMasked alone; the separate passes fill it. Which applies is
  // the algorithms' and the image size's choice, so this pins that each is reached.
  const run = (s: Conv2dShape) => {
    const z = conv2dSizes(s);
    const rng = new Rng(5);
    const dyMasked = new Float32Array(z.y).fill(7);
    native.conv2dBackward(
      s,
      randomF32(rng, z.x),
      randomF32(rng, z.y),
      randomF32(rng, z.y).map((v) => Math.max(v, 0)),
      dyMasked,
      randomF32(rng, z.w),
      new Float32Array(z.w),
      new Float32Array(s.oc),
      new Float32Array(z.x),
      false,
    );
    return dyMasked.every((v) => v === 7);
  };
  const small = shape(2, 16, 8, 8, 16, 3, 1, 1);
  const large = shape(1, 16, 96, 96, 16, 3, 1, 1); // its buffers exceed what stays in cache
  for (const precision of ['fp32', 'bf16']) {
    assert.ok(native.setOpPrecision(precision));
    assert.ok(native.setConvPath('direct'));
    assert.equal(run(small), true, `${precision}, direct: the mask ran in a pass of its own`);
    assert.equal(run(large), false, `${precision}, direct, 96x96 planes: the mask did not run`);
    assert.ok(native.setConvPath('gemm'));
    assert.equal(run(small), false, `${precision}, gemm: the mask did not run`);
  }
});
