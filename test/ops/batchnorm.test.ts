// batchNormForward / batchNormBackward against the float64 reference: training forward (batch
// statistics, saved mean and 1/std, PyTorch's running-statistics update with the unbiased
// variance), evaluation forward (running statistics), and the training-mode backward against
// central finite differences of L = sum(y * r) taken through the batch statistics. Threads 1
// and 2 must agree bitwise (each channel's sums belong to one thread), and so must the
// instruction-set units the GEMM paths select (avx512, portable: the same operations in the same
// order).
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
import { batchNormEvalRef, batchNormTrainRef } from './reference-norm';

const native = loadTestAddon();
const configs = configurations(native, true);

// n, c, s; small ones get finite differences; the last is large enough for the parallel path.
const cases: [number, number, number][] = [
  [2, 3, 4],
  [4, 2, 1],
  [1, 3, 9],
  [3, 1, 5],
  [2, 1, 1],
  [16, 8, 32 * 32],
];

interface Inputs {
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  rm: Float32Array;
  rv: Float32Array;
  r: Float32Array;
}

function inputs(rng: Rng, n: number, c: number, s: number, offset = 0): Inputs {
  const count = n * c * s;
  const x = randomF32(rng, count, -2, 2).map((v, i) => v + offset + (Math.floor(i / s) % c)); // a different mean per channel
  return {
    x,
    gamma: randomF32(rng, c, 0.5, 1.5),
    beta: randomF32(rng, c, -0.5, 0.5),
    rm: randomF32(rng, c, -0.2, 0.2),
    rv: randomF32(rng, c, 0.5, 2),
    r: randomF32(rng, count),
  };
}

const EPS = 1e-5,
  MOMENTUM = 0.1;

let seed = 1;
for (const [n, c, s] of cases) {
  const caseSeed = seed++;
  const count = n * c * s;
  const small = count <= 200;

  test(`batch norm n=${n} c=${c} s=${s}: training forward, running statistics, backward`, () => {
    const rng = new Rng(caseSeed);
    const v = inputs(rng, n, c, s);
    const ref = batchNormTrainRef(n, c, s, v.x, v.gamma, v.beta, EPS, MOMENTUM, v.rm, v.rv);
    const loss = (xv: Vec64, g: Vec64, b: Vec64) =>
      dot(batchNormTrainRef(n, c, s, xv, g, b, EPS, MOMENTUM, v.rm, v.rv).y, v.r);
    const fd = small
      ? {
          dx: finiteDifference((xv) => loss(xv, v.gamma, v.beta), v.x),
          dgamma: finiteDifference((g) => loss(v.x, g, v.beta), v.gamma),
          dbeta: finiteDifference((b) => loss(v.x, v.gamma, b), v.beta),
        }
      : null;

    const results: Float32Array[][] = [];
    forEachConfig(native, configs, (cfg) => {
      const where = `n=${n} c=${c} s=${s} (${describeConfig(cfg)})`;
      const y = filled(count, NaN),
        mean = filled(c, NaN),
        invStd = filled(c, NaN);
      const rm = v.rm.slice(),
        rv = v.rv.slice();
      native.batchNormForward(n, c, s, v.x, v.gamma, v.beta, rm, rv, EPS, MOMENTUM, true, y, mean, invStd);
      assertClose(y, ref.y, `${where}: y`, 1e-5);
      assertClose(mean, ref.mean, `${where}: saved mean`, 1e-6);
      assertClose(invStd, ref.invStd, `${where}: saved inv_std`, 1e-6);
      assertClose(rm, ref.runningMean, `${where}: running mean`, 1e-6);
      assertClose(rv, ref.runningVar, `${where}: running var (unbiased batch variance)`, 1e-6);

      const dx = filled(count, NaN),
        dgamma = randomF32(rng, c),
        dbeta = randomF32(rng, c);
      const g0 = dgamma.slice(),
        b0 = dbeta.slice();
      native.batchNormBackward(n, c, s, v.x, v.gamma, mean, invStd, v.r, dx, dgamma, dbeta, false);
      if (fd) {
        assertClose(dx, fd.dx, `${where}: dx`, 1e-4);
        assertClose(dgamma, add(g0, fd.dgamma), `${where}: dgamma accumulated`, 1e-4);
        assertClose(dbeta, add(b0, fd.dbeta), `${where}: dbeta accumulated`, 1e-4);
      }
      // dx accumulates; a null dx still gives the parameter gradients.
      const before = randomF32(rng, count),
        acc = before.slice();
      const dg2 = new Float32Array(c),
        db2 = new Float32Array(c);
      native.batchNormBackward(n, c, s, v.x, v.gamma, mean, invStd, v.r, acc, dg2, db2, true);
      assertClose(acc, add(before, dx), `${where}: dx accumulated`, 1e-6);
      const dg3 = new Float32Array(c),
        db3 = new Float32Array(c);
      native.batchNormBackward(n, c, s, v.x, v.gamma, mean, invStd, v.r, null, dg3, db3, false);
      assert.deepEqual(dg3, dg2, `${where}: dgamma without dx`);
      assert.deepEqual(db3, db2, `${where}: dbeta without dx`);
      results.push([y, mean, invStd, rm, rv, dx, dg2, db2]);
    });
    for (const r of results)
      r.forEach((a, k) =>
        assert.deepEqual(
          a,
          results[0][k],
          `n=${n} c=${c} s=${s}: output ${k} differs between thread counts or CPU paths`,
        ),
      );
  });

  test(`batch norm n=${n} c=${c} s=${s}: evaluation forward uses the running statistics, changes nothing else`, () => {
    const rng = new Rng(caseSeed + 50);
    const v = inputs(rng, n, c, s);
    const yRef = batchNormEvalRef(n, c, s, v.x, v.gamma, v.beta, v.rm, v.rv, EPS);
    forEachConfig(native, configs, (cfg) => {
      const y = filled(count, NaN),
        rm = v.rm.slice(),
        rv = v.rv.slice();
      const mean = filled(c, 7),
        invStd = filled(c, 7);
      native.batchNormForward(n, c, s, v.x, v.gamma, v.beta, rm, rv, EPS, MOMENTUM, false, y, mean, invStd);
      assertClose(y, yRef, `eval y (${describeConfig(cfg)})`, 1e-5);
      assert.deepEqual(rm, v.rm);
      assert.deepEqual(rv, v.rv);
      assert.ok(mean.every((m) => m === 7) && invStd.every((m) => m === 7), 'saved statistics untouched in evaluation');
      native.batchNormForward(n, c, s, v.x, v.gamma, v.beta, rm, rv, EPS, MOMENTUM, false, y, null, null);
    });
  });
}

type Vec64 = Float32Array | Float64Array;

test('batch norm: a large common offset does not cancel the variance (two-pass statistics)', () => {
  const rng = new Rng(99);
  const [n, c, s] = [8, 2, 64];
  const v = inputs(rng, n, c, s, 1000);
  const ref = batchNormTrainRef(n, c, s, v.x, v.gamma, v.beta, EPS, MOMENTUM, v.rm, v.rv);
  const y = new Float32Array(n * c * s),
    mean = new Float32Array(c),
    invStd = new Float32Array(c);
  native.batchNormForward(
    n,
    c,
    s,
    v.x,
    v.gamma,
    v.beta,
    v.rm.slice(),
    v.rv.slice(),
    EPS,
    MOMENTUM,
    true,
    y,
    mean,
    invStd,
  );
  assertClose(invStd, ref.invStd, 'inv_std with mean ~1000', 1e-5);
  assertClose(y, ref.y, 'y with mean ~1000', 1e-4);
});

test('batch norm: the variance survives a first image far from the rest (shifted sums)', () => {
  // The kernel sums x - K and (x - K)^2 with K the mean of a channel's first plane: here that
  // plane sits 8 standard deviations away, on a common offset of 1000, planes of 2048 values
  // (two flushes of the float lanes per plane) and a small odd plane.
  for (const [n, c, s] of [
    [6, 2, 2048],
    [9, 3, 7],
  ]) {
    const rng = new Rng(123 + s);
    const v = inputs(rng, n, c, s, 1000);
    for (let i = 0; i < c * s; i++) v.x[i] += 8; // image 0
    const ref = batchNormTrainRef(n, c, s, v.x, v.gamma, v.beta, EPS, MOMENTUM, v.rm, v.rv);
    const y = new Float32Array(n * c * s),
      mean = new Float32Array(c),
      invStd = new Float32Array(c);
    const rm = v.rm.slice(),
      rv = v.rv.slice();
    native.batchNormForward(n, c, s, v.x, v.gamma, v.beta, rm, rv, EPS, MOMENTUM, true, y, mean, invStd);
    assertClose(mean, ref.mean, `mean n=${n} s=${s}`, 1e-6);
    assertClose(invStd, ref.invStd, `inv_std n=${n} s=${s}`, 1e-5);
    assertClose(rv, ref.runningVar, `running var n=${n} s=${s}`, 1e-5);
    assertClose(y, ref.y, `y n=${n} s=${s}`, 1e-4);
  }
});

test('batch norm: custom eps and momentum follow PyTorch formulas; momentum 0 keeps running statistics', () => {
  const rng = new Rng(7);
  const [n, c, s] = [3, 2, 5];
  const v = inputs(rng, n, c, s);
  for (const [eps, momentum] of [
    [1e-3, 0.5],
    [0.1, 1],
    [1e-5, 0],
  ]) {
    const ref = batchNormTrainRef(n, c, s, v.x, v.gamma, v.beta, eps, momentum, v.rm, v.rv);
    const y = new Float32Array(n * c * s),
      mean = new Float32Array(c),
      invStd = new Float32Array(c);
    const rm = v.rm.slice(),
      rv = v.rv.slice();
    native.batchNormForward(n, c, s, v.x, v.gamma, v.beta, rm, rv, eps, momentum, true, y, mean, invStd);
    assertClose(y, ref.y, `y eps=${eps}`, 1e-5);
    assertClose(rm, ref.runningMean, `running mean momentum=${momentum}`, 1e-6);
    assertClose(rv, ref.runningVar, `running var momentum=${momentum}`, 1e-6);
    if (momentum === 0) {
      assert.deepEqual(rm, v.rm);
      assert.deepEqual(rv, v.rv);
    }
  }
});
