// The model zoo's layers inside the native Network: batch norm (training statistics, running
// statistics in the parameter array, evaluation), residual 'add' (identity shortcut, a 1x1
// strided conv + batch norm projection, an input added to itself, the network input as a
// branch), dropout (per-step seed) and LRN. Whole-network gradients are checked against
// central finite differences of the TRAINING loss, which computeGradients returns: it runs
// the training forward (batch statistics, and the dropout mask of the given seed, so every
// evaluation of the loss sees the same mask). Also: running statistics follow PyTorch's
// update and are used by evaluate, SGD never touches them, gamma and beta are not decayed,
// dropout is the identity in evaluation, the seed reaches trainStep, and runs are bitwise
// repeatable and agree across thread counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { loadNative, type SgdSettings } from '../../src/native';
import { batchNormEvalRef, batchNormTrainRef } from '../ops/reference-norm';
import { build, initParams, planTiny, randomData, residualNet, type TinyNet } from './tiny-nets';

const addon = loadNative();
const SGD: SgdSettings = { lr: 0.05, momentum: 0.9, weightDecay: 1e-3, seed: 17 };

/** The network input as one branch of an add, and a maxpool 3x3/2 without padding. */
function inputShortcutNet(): TinyNet {
  return planTiny(
    [2, 7, 7],
    [
      { kind: 'conv2d', filters: 2, k: 3, p: 1 }, // 0: [2,7,7]
      { kind: 'add', from: [-1, 0] }, // 1
      { kind: 'maxpool', k: 3, s: 2 }, // 2: [2,3,3]
      { kind: 'dropout', p: 0.5 }, // 3
      { kind: 'flatten' }, // 4
      { kind: 'dense', units: 3 }, // 5
    ],
  );
}

async function gradientCheck(tiny: TinyNet, n: number, seed: number): Promise<void> {
  const { net, params, grads } = build(addon, tiny, initParams(tiny, seed), n);
  const { x, labels } = randomData(tiny, n, seed + 1);
  const stepSeed = 1234 + seed;
  await net.computeGradients(x, labels, n, stepSeed);
  const analytic = grads.slice();
  await net.computeGradients(x, labels, n, stepSeed);
  assert.deepEqual(grads, analytic, 'a repeated computeGradients gives the same gradients');

  const lossAt = async (k: number, value: number) => {
    params[k] = value;
    return (await net.computeGradients(x, labels, n, stepSeed)).loss;
  };
  const centralDifference = async (k: number, h: number) => {
    const p = params[k];
    const up = Math.fround(p + h),
      down = Math.fround(p - h);
    const d = ((await lossAt(k, up)) - (await lossAt(k, down))) / (up - down);
    params[k] = p;
    return d;
  };
  const tolerance = (fd: number) => 2e-4 + 0.01 * Math.abs(fd);

  let checked = 0,
    skipped = 0;
  const failures: string[] = [];
  for (const l of tiny.layers) {
    for (const [role, offset, size] of [
      ['weight', l.weightOffset, l.weightSize],
      ['bias', l.biasOffset, l.biasSize],
    ] as const) {
      let errSq = 0,
        refSq = 0;
      for (let k = offset; k < offset + size; k++) {
        // Every early parameter moves hundreds of ReLU / max-pool inputs (through batch norm,
        // all of them), so some step crosses a kink: then the two step sizes disagree. The
        // estimate that agrees with the analytic value is used; a parameter is skipped only
        // when neither does and they disagree with each other.
        const coarse = await centralDifference(k, 1e-3);
        const fine = await centralDifference(k, 5e-4);
        const fd = Math.abs(fine - analytic[k]) <= tolerance(fine) ? fine : coarse;
        if (Math.abs(fd - analytic[k]) > tolerance(fd) && Math.abs(coarse - fine) > tolerance(coarse)) {
          skipped++;
          continue;
        }
        checked++;
        errSq += (fd - analytic[k]) ** 2;
        refSq += fd ** 2;
        if (Math.abs(fd - analytic[k]) > tolerance(fd))
          failures.push(`${l.name}.${role}[${k - offset}]: analytic ${analytic[k]}, numeric ${fd}`);
      }
      // Relative error of the whole tensor, unless its true gradient is zero: a conv bias
      // followed by batch norm (which removes any per-channel constant).
      if (size > 0 && Math.sqrt(refSq / size) > 1e-3)
        assert.ok(Math.sqrt(errSq / refSq) < 2e-2, `${l.name}.${role}: relative error ${Math.sqrt(errSq / refSq)}`);
    }
    if (l.kind === 'batchnorm') {
      // Running statistics are no trainable parameter: zero gradient.
      for (const o of [l.runningMeanOffset!, l.runningVarOffset!])
        assert.ok(
          analytic.subarray(o, o + l.inShape[0]).every((g) => g === 0),
          `${l.name}: running statistics have a gradient`,
        );
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(skipped <= checked / 10, `${skipped} of ${checked + skipped} parameters sat on a kink`);
  for (const l of tiny.layers) {
    if (l.weightSize === 0) continue;
    const g = analytic.subarray(l.weightOffset, l.weightOffset + l.weightSize);
    assert.ok(
      g.some((v) => Math.abs(v) > 1e-6),
      `${l.name} has an all-zero weight gradient`,
    );
  }
}

test('gradients of a residual net with batchnorm, add, lrn and dropout match finite differences of the training loss', async () => {
  await gradientCheck(residualNet(), 4, 1);
});

test('gradients with the network input as an add branch and maxpool 3x3/2 match finite differences', async () => {
  await gradientCheck(inputShortcutNet(), 3, 5);
});

/** input -> batchnorm -> flatten -> dense: every statistic can be computed from x directly. */
function bnFirstNet(): TinyNet {
  return planTiny([3, 2, 2], [{ kind: 'batchnorm', momentum: 0.25 }, { kind: 'flatten' }, { kind: 'dense', units: 4 }]);
}

test('training updates the running statistics as PyTorch does; evaluate uses them', async () => {
  const tiny = bnFirstNet();
  const n = 5;
  const [c, h, w] = tiny.input;
  const s = h * w;
  const bn = tiny.layers[0],
    dense = tiny.layers[2];
  const { net, params } = build(addon, tiny, initParams(tiny, 3), n);
  const rm = bn.runningMeanOffset!,
    rv = bn.runningVarOffset!;
  let mean = Float64Array.from(params.subarray(rm, rm + c)),
    variance = Float64Array.from(params.subarray(rv, rv + c));
  for (let step = 0; step < 3; step++) {
    const { x, labels } = randomData(tiny, n, 40 + step);
    for (let k = 0; k < x.length; k++) x[k] = 2 * x[k] + step; // statistics that move
    const gamma = params.subarray(bn.weightOffset, bn.weightOffset + c),
      beta = params.subarray(bn.biasOffset, bn.biasOffset + c);
    const ref = batchNormTrainRef(n, c, s, x, gamma, beta, 1e-5, 0.25, mean, variance);
    await net.computeGradients(x, labels, n, step);
    const got = { mean: params.slice(rm, rm + c), variance: params.slice(rv, rv + c) };
    got.mean.forEach((v, k) =>
      assert.ok(Math.abs(v - ref.runningMean[k]) < 1e-6, `step ${step}: running mean ${v} vs ${ref.runningMean[k]}`),
    );
    got.variance.forEach((v, k) =>
      assert.ok(Math.abs(v - ref.runningVar[k]) < 1e-5, `step ${step}: running var ${v} vs ${ref.runningVar[k]}`),
    );
    mean = Float64Array.from(got.mean);
    variance = Float64Array.from(got.variance);
  }
  // evaluate: batch norm with the running statistics, then the dense layer and softmax.
  const { x, labels } = randomData(tiny, n, 50);
  const probs = new Float32Array(n * 4);
  const before = params.slice();
  await net.evaluate(x, labels, n, probs);
  assert.deepEqual(params, before, 'evaluate changes no parameter or running statistic');
  const gamma = params.subarray(bn.weightOffset, bn.weightOffset + c),
    beta = params.subarray(bn.biasOffset, bn.biasOffset + c);
  const y = batchNormEvalRef(n, c, s, x, gamma, beta, mean, variance, 1e-5);
  const features = c * s;
  for (let i = 0; i < n; i++) {
    const logits = [0, 1, 2, 3].map((o) => {
      let z = params[dense.biasOffset + o];
      for (let f = 0; f < features; f++) z += params[dense.weightOffset + o * features + f] * y[i * features + f];
      return z;
    });
    const top = Math.max(...logits);
    const e = logits.map((z) => Math.exp(z - top));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, o) =>
      assert.ok(Math.abs(probs[i * 4 + o] - v / sum) < 1e-5, `probs[${i}, ${o}] ${probs[i * 4 + o]} vs ${v / sum}`),
    );
  }
});

test('applyUpdate never touches running statistics and does not decay gamma or beta', async () => {
  const tiny = residualNet();
  const n = 4;
  const { net, params, grads, velocity } = build(addon, tiny, initParams(tiny, 21), n);
  const { x, labels } = randomData(tiny, n, 22);
  await net.computeGradients(x, labels, n, 5);
  const p0 = params.slice(),
    g = grads.slice();
  const sgd = { lr: 0.1, momentum: 0.5, weightDecay: 0.25 };
  net.applyUpdate(sgd);
  net.applyUpdate(sgd); // twice: momentum on top of a non-zero velocity
  for (const l of tiny.layers) {
    if (l.kind !== 'batchnorm') continue;
    const c = l.inShape[0];
    for (const o of [l.runningMeanOffset!, l.runningVarOffset!]) {
      assert.deepEqual(
        params.subarray(o, o + c),
        p0.subarray(o, o + c),
        `${l.name}: running statistics changed by SGD`,
      );
      assert.ok(
        velocity.subarray(o, o + c).every((v) => v === 0),
        `${l.name}: running statistics have a velocity`,
      );
    }
    for (const [role, offset] of [
      ['gamma', l.weightOffset],
      ['beta', l.biasOffset],
    ] as const)
      for (let k = offset; k < offset + c; k++) {
        const v1 = g[k],
          p1 = p0[k] - sgd.lr * v1; // first update from zero velocity, no decay
        const v2 = sgd.momentum * v1 + g[k],
          p2 = p1 - sgd.lr * v2;
        assert.ok(
          Math.abs(params[k] - p2) <= 1e-6 * (1 + Math.abs(p2)),
          `${l.name}.${role}[${k - offset}]: ${params[k]} vs ${p2}`,
        );
      }
  }
});

test('dropout: the seed fixes the mask; evaluation is the identity', async () => {
  const n = 6;
  const withDrop = residualNet(0.5),
    without = residualNet(0);
  const init = initParams(withDrop, 31);
  const a = build(addon, withDrop, init, n),
    b = build(addon, without, init, n);
  const { x, labels } = randomData(withDrop, n, 32);
  const p1 = new Float32Array(n * 3),
    p2 = new Float32Array(n * 3);
  await a.net.evaluate(x, labels, n, p1);
  await b.net.evaluate(x, labels, n, p2);
  assert.deepEqual(p1, p2, 'dropout p = 0.5 and p = 0 evaluate identically');

  const r1 = await a.net.computeGradients(x, labels, n, 7);
  const g1 = a.grads.slice();
  const r2 = await a.net.computeGradients(x, labels, n, 7);
  assert.equal(r2.loss, r1.loss);
  assert.deepEqual(a.grads, g1, 'same seed, same gradients');
  const r3 = await a.net.computeGradients(x, labels, n, 8);
  assert.notEqual(r3.loss, r1.loss, 'another seed draws another mask');
  const r4 = await a.net.computeGradients(x, labels, n);
  const r5 = await a.net.computeGradients(x, labels, n, 0);
  assert.equal(r4.loss, r5.loss, 'the default seed is 0');
});

test('trainStep with sgd.seed equals computeGradients(seed) + applyUpdate, bitwise', async () => {
  const tiny = residualNet();
  const n = 5;
  const init = initParams(tiny, 41);
  const a = build(addon, tiny, init, n),
    b = build(addon, tiny, init, n);
  for (let step = 0; step < 3; step++) {
    const { x, labels } = randomData(tiny, n, 42 + step);
    const sgd = { ...SGD, seed: 1000 + step };
    const ra = await a.net.trainStep(x, labels, n, sgd);
    const rb = await b.net.computeGradients(x, labels, n, sgd.seed);
    b.net.applyUpdate(sgd);
    assert.deepEqual(ra, rb);
    assert.deepEqual(a.params, b.params);
    assert.deepEqual(a.velocity, b.velocity);
  }
});

test('residual net: bitwise repeatable per thread count; 1 and 2 threads agree within tolerance', async () => {
  const tiny = residualNet();
  const n = 16;
  const init = initParams(tiny, 51);
  const run = async (threads: number) => {
    const b = build(addon, tiny, init, n, threads);
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      const { x, labels } = randomData(tiny, n, 60 + step);
      losses.push((await b.net.trainStep(x, labels, n, { ...SGD, seed: step })).loss);
    }
    const probs = new Float32Array(n * 3);
    const { x, labels } = randomData(tiny, n, 70);
    await b.net.evaluate(x, labels, n, probs);
    return { params: b.params, losses, probs };
  };
  const one = await run(1),
    two = await run(2),
    twoAgain = await run(2),
    oneAgain = await run(1);
  assert.deepEqual(two, twoAgain);
  assert.deepEqual(one, oneAgain);
  let worst = 0;
  one.params.forEach((v, k) => {
    worst = Math.max(worst, Math.abs(v - two.params[k]) / (1e-3 + Math.abs(v)));
  });
  assert.ok(worst < 1e-3, `1 vs 2 threads differ by ${worst}`);
  one.losses.forEach((l, k) => assert.ok(Math.abs(l - two.losses[k]) < 1e-4, `loss ${k}: ${l} vs ${two.losses[k]}`));
});

test('a residual net with batchnorm and dropout learns 32 random images', async () => {
  const tiny = residualNet(0.1);
  const n = 32;
  const { net } = build(addon, tiny, initParams(tiny, 81), n, 2);
  const { x, labels } = randomData(tiny, n, 82);
  const first = await net.trainStep(x, labels, n, { lr: 0.05, momentum: 0.9, weightDecay: 0, seed: 0 });
  let last = first;
  for (let step = 1; step < 150; step++)
    last = await net.trainStep(x, labels, n, { lr: 0.05, momentum: 0.9, weightDecay: 0, seed: step });
  assert.ok(last.loss < first.loss * 0.5, `training loss ${first.loss} -> ${last.loss}`);
  const r = await net.evaluate(x, labels, n, new Float32Array(n * 3));
  assert.ok(r.correct >= 24, `train accuracy in evaluation ${r.correct}/32 (loss ${r.loss})`);
});

test('training refuses a batch norm with one value per channel (as PyTorch); evaluation accepts it', async () => {
  const tiny = residualNet(); // layer 20 normalises (N, 5, 1, 1)
  const { net } = build(addon, tiny, initParams(tiny, 91), 4);
  const { x, labels } = randomData(tiny, 1, 92);
  await assert.rejects(
    net.computeGradients(x, labels, 1),
    /computeGradients: layer 'batchnorm20' \(batchnorm\) needs more than one value per channel in training, got n \* H \* W = 1/,
  );
  await assert.rejects(net.trainStep(x, labels, 1, SGD), /trainStep: layer 'batchnorm20'/);
  const r = await net.evaluate(x, labels, 1, new Float32Array(3));
  assert.ok(Number.isFinite(r.loss));
  assert.equal(net.busy, false);
});

test('bad zoo-layer descriptions and seeds throw errors naming the field', () => {
  const child = path.join(__dirname, 'network-zoo-errors.child.js');
  const r = spawnSync(process.execPath, [child], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `child exited with ${r.status} ${r.signal ?? ''}\n${r.stderr}\n${r.stdout}`);
  const results = JSON.parse(r.stdout) as { label: string; ok: boolean; got: string }[];
  assert.ok(results.length > 20);
  assert.deepEqual(
    results.filter((c) => !c.ok),
    [],
  );
});
