// dropoutForward / dropoutBackward: the mask matches the reference hash bit for bit (so it is
// a function of seed, stream and index only), is reproducible for a seed and independent of
// the thread count, zeroes about a fraction p, scales survivors by 1/(1-p); p = 0 is the
// identity; backward routes the gradient through the same mask (checked against finite
// differences of L = sum(y * r) for the fixed mask) and accumulates.
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
import { dropoutMaskRef, dropoutRef, dropoutScale } from './reference-norm';

const native = loadTestAddon();
const configs = configurations(native);

function run(p: number, seed: number, stream: number, x: Float32Array): { y: Float32Array; mask: Uint8Array } {
  const y = filled(x.length, NaN),
    mask = new Uint8Array(x.length).fill(9);
  native.dropoutForward(p, seed, stream, x, y, mask);
  return { y, mask };
}

for (const [count, p] of [
  [37, 0.5],
  [1000, 0.1],
  [100_000, 0.3],
  [50_000, 0.9],
] as const) {
  test(`dropout count=${count} p=${p}: mask from the hash, fraction dropped, survivors scaled`, () => {
    const rng = new Rng(count);
    const x = randomF32(rng, count, 0.1, 2); // no zeros, so y = 0 means dropped
    const seed = 12345,
      stream = 3;
    const maskRef = dropoutMaskRef(count, p, seed, stream);
    const yRef = dropoutRef(x, maskRef, p);
    const outputs: { y: Float32Array; mask: Uint8Array }[] = [];
    forEachConfig(native, configs, (cfg) => {
      const r = run(p, seed, stream, x);
      assert.deepEqual(r.mask, maskRef, `mask (${describeConfig(cfg)})`);
      assertClose(r.y, yRef, `y (${describeConfig(cfg)})`, 1e-6);
      outputs.push(r);
    });
    for (const o of outputs) assert.deepEqual(o, outputs[0], 'identical for every thread count');
    const dropped = maskRef.reduce((a, m) => a + (1 - m), 0);
    const sigma = Math.sqrt(count * p * (1 - p));
    assert.ok(
      Math.abs(dropped - count * p) <= 5 * sigma + 1,
      `${dropped} of ${count} dropped, expected about ${count * p}`,
    );
    const scale = dropoutScale(p);
    outputs[0].y.forEach((v, i) => assert.ok(maskRef[i] ? v === Math.fround(x[i] * scale) : v === 0, `y[${i}] = ${v}`));
  });
}

test('dropout: the same seed repeats the mask; another seed or stream gives another', () => {
  const x = filled(4096, 1);
  const a = run(0.5, 7, 0, x),
    b = run(0.5, 7, 0, x);
  assert.deepEqual(a, b);
  for (const [seed, stream] of [
    [8, 0],
    [7, 1],
    [0xffffffff, 0],
    [7, 0xffffffff],
  ]) {
    const c = run(0.5, seed, stream, x);
    const same = c.mask.reduce((s, m, i) => s + (m === a.mask[i] ? 1 : 0), 0);
    assert.ok(
      same > 1700 && same < 2400,
      `seed ${seed} stream ${stream}: ${same} of 4096 agree with seed 7 stream 0 (independent masks agree on about half)`,
    );
    assert.deepEqual(c.mask, dropoutMaskRef(4096, 0.5, seed, stream));
  }
});

test('dropout p = 0 keeps everything unchanged', () => {
  const rng = new Rng(5);
  const x = randomF32(rng, 5000);
  const r = run(0, 1, 2, x);
  assert.ok(r.mask.every((m) => m === 1));
  assert.deepEqual(r.y, x);
});

test('dropout backward: the same mask and scale, accumulate, finite differences for a fixed mask', () => {
  const rng = new Rng(11);
  for (const [count, p] of [
    [60, 0.4],
    [70_000, 0.25],
  ] as const) {
    const x = randomF32(rng, count),
      dy = randomF32(rng, count);
    const { mask } = run(p, 99, 4, x);
    const dxRef = dropoutRef(dy, mask, p);
    if (count < 100) {
      const fd = finiteDifference((xv) => dot(dropoutRef(xv, mask, p), dy), x, 0.25); // linear: any step is exact
      assertClose(fd, dxRef, 'reference dx', 1e-9);
    }
    const results: Float32Array[] = [];
    forEachConfig(native, configs, (cfg) => {
      const dx = filled(count, NaN);
      native.dropoutBackward(p, mask, dy, dx, false);
      assertClose(dx, dxRef, `dx (${describeConfig(cfg)})`, 1e-6);
      const before = randomF32(rng, count),
        acc = before.slice();
      native.dropoutBackward(p, mask, dy, acc, true);
      assertClose(acc, add(before, dx), `dx accumulated (${describeConfig(cfg)})`, 1e-6);
      results.push(dx);
    });
    for (const dx of results) assert.deepEqual(dx, results[0]);
  }
});
