// The native Network (native/net, native/binding/network_*.cpp): whole-network gradient
// check against finite differences of the loss, masks, trainStep == computeGradients +
// applyUpdate, overfitting 64 random samples, thread-count determinism, the busy flag, and
// argument errors (those run in a child process, so a crash fails a test, not the runner).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { loadNative, type SgdSettings } from '../../src/native';
import { build, everyKindNet, initParams, randomData, smallConvNet } from './tiny-nets';
import { assertGradientsMatchFiniteDifferences } from './gradient-check';

const addon = loadNative();
const SGD: SgdSettings = { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 };

test('gradients of a network with every layer kind match central finite differences', async () => {
  await assertGradientsMatchFiniteDifferences(addon, everyKindNet());
});

test('masked weights stay exactly zero through training with momentum and weight decay', async () => {
  const tiny = everyKindNet();
  const n = 8;
  const { net, params, velocity } = build(addon, tiny, initParams(tiny, 3), n);
  const before = params.slice();
  for (let step = 0; step < 5; step++) {
    const { x, labels } = randomData(tiny, n, 10 + step);
    await net.trainStep(x, labels, n, SGD);
  }
  const conv = tiny.layers.find((l) => l.weightMask)!;
  let free = 0;
  conv.weightMask!.forEach((m, k) => {
    const i = conv.weightOffset + k;
    if (m === 0) {
      assert.ok(Object.is(params[i], 0), `masked weight ${k} became ${params[i]}`);
      assert.ok(Object.is(velocity[i], 0), `masked velocity ${k} became ${velocity[i]}`);
    } else if (params[i] !== before[i]) free++;
  });
  assert.ok(free > 0, 'unmasked weights were not trained');
});

test('trainStep equals computeGradients followed by applyUpdate, bitwise', async () => {
  const tiny = everyKindNet();
  const n = 6;
  const init = initParams(tiny, 4);
  const a = build(addon, tiny, init, n);
  const b = build(addon, tiny, init, n);
  for (let step = 0; step < 3; step++) {
    const { x, labels } = randomData(tiny, n, 20 + step);
    const ra = await a.net.trainStep(x, labels, n, SGD);
    const rb = await b.net.computeGradients(x, labels, n);
    b.net.applyUpdate(SGD);
    assert.deepEqual(ra, rb);
    assert.deepEqual(a.params, b.params);
    assert.deepEqual(a.velocity, b.velocity);
    assert.deepEqual(a.grads, b.grads);
  }
});

test('applyUpdate decays conv and dense weights only, not biases or subsample coefficients', async () => {
  const tiny = everyKindNet();
  const n = 4;
  const { net, params, grads, velocity } = build(addon, tiny, initParams(tiny, 13), n);
  const { x, labels } = randomData(tiny, n, 14);
  await net.computeGradients(x, labels, n);
  const p0 = params.slice(),
    g = grads.slice();
  const sgd = { lr: 0.1, momentum: 0.5, weightDecay: 0.25 };
  net.applyUpdate(sgd); // from zero velocity: v = g + decay * p ; p -= lr * v
  for (const l of tiny.layers) {
    const decayed = l.kind === 'conv2d' || l.kind === 'dense';
    for (const [role, offset, size] of [
      ['weight', l.weightOffset, l.weightSize],
      ['bias', l.biasOffset, l.biasSize],
    ] as const) {
      const decay = role === 'weight' && decayed ? sgd.weightDecay : 0;
      for (let k = offset; k < offset + size; k++) {
        const v = g[k] + decay * p0[k];
        assert.ok(
          Math.abs(velocity[k] - v) <= 1e-6 * (1 + Math.abs(v)),
          `${l.name}.${role}: velocity ${velocity[k]}, expected ${v}`,
        );
        assert.ok(
          Math.abs(params[k] - (p0[k] - sgd.lr * v)) <= 1e-6 * (1 + Math.abs(p0[k])),
          `${l.name}.${role}: param`,
        );
      }
    }
  }
});

test('forward and evaluate give the same probabilities; smaller batches than maxBatch work', async () => {
  const tiny = smallConvNet(5);
  const { net } = build(addon, tiny, initParams(tiny, 5), 16);
  const n = 7;
  const { x, labels } = randomData(tiny, n, 6);
  const p1 = new Float32Array(n * 5),
    p2 = new Float32Array(n * 5);
  await net.forward(x, n, p1);
  const r = await net.evaluate(x, labels, n, p2);
  assert.deepEqual(p1, p2);
  let loss = 0,
    correct = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from(p1.subarray(i * 5, i * 5 + 5));
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5);
    loss -= Math.log(row[labels[i]]);
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
  assert.ok(Math.abs(r.loss - loss / n) < 1e-5);
  assert.equal(r.correct, correct);
  assert.ok(net.nativeBytes > 16 * 8 * 12 * 12 * 4 * 2, `nativeBytes ${net.nativeBytes}`);
});

test('a small conv net memorises 64 random images with random labels', async () => {
  const tiny = smallConvNet(10);
  const n = 64;
  const { net } = build(addon, tiny, initParams(tiny, 7), n, 2);
  const { x, labels } = randomData(tiny, n, 8);
  let last = { loss: Infinity, correct: 0 };
  let steps = 0;
  for (; steps < 400 && last.correct < n; steps++)
    last = await net.trainStep(x, labels, n, { lr: 0.05, momentum: 0.9, weightDecay: 0 });
  const r = await net.evaluate(x, labels, n, new Float32Array(n * 10));
  assert.ok(r.correct >= 63, `train accuracy ${r.correct}/64 after ${steps} steps (loss ${r.loss})`);
});

test('1 and 2 threads agree within tolerance; the same thread count is bitwise reproducible', async () => {
  const tiny = smallConvNet(10);
  const n = 16;
  const init = initParams(tiny, 9);
  const run = async (threads: number) => {
    const b = build(addon, tiny, init, n, threads);
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      const { x, labels } = randomData(tiny, n, 30 + step);
      losses.push((await b.net.trainStep(x, labels, n, SGD)).loss);
    }
    return { params: b.params, losses };
  };
  const one = await run(1),
    two = await run(2),
    twoAgain = await run(2),
    oneAgain = await run(1);
  assert.deepEqual(two.params, twoAgain.params);
  assert.deepEqual(one.params, oneAgain.params);
  assert.deepEqual(two.losses, twoAgain.losses);
  let worst = 0;
  one.params.forEach((v, k) => {
    worst = Math.max(worst, Math.abs(v - two.params[k]) / (1e-3 + Math.abs(v)));
  });
  assert.ok(worst < 1e-3, `1 vs 2 threads differ by ${worst}`);
  one.losses.forEach((l, k) => assert.ok(Math.abs(l - two.losses[k]) < 1e-4));
});

test('a second call while one runs rejects with the busy message', async () => {
  const tiny = smallConvNet(10);
  const n = 32;
  const { net } = build(addon, tiny, initParams(tiny, 11), n, 1);
  const { x, labels } = randomData(tiny, n, 12);
  const first = net.trainStep(x, labels, n, SGD);
  assert.equal(net.busy, true);
  await assert.rejects(net.trainStep(x, labels, n, SGD), {
    name: 'Error',
    message: 'network is busy: one step at a time',
  });
  await assert.rejects(net.evaluate(x, labels, n, new Float32Array(n * 10)), /network is busy/);
  await assert.rejects(net.forward(x, n, new Float32Array(n * 10)), /network is busy/);
  await assert.rejects(net.computeGradients(x, labels, n), /network is busy/);
  assert.throws(() => net.applyUpdate(SGD), /network is busy/);
  assert.throws(() => net.setThreads(2), /network is busy/);
  // The thread count is global (kernels read it at call time): no other network may change it now.
  const other = build(addon, tiny, initParams(tiny, 11), n, 1);
  assert.throws(() => other.net.setThreads(2), /another network's step is running/);
  assert.throws(
    () => build(addon, tiny, initParams(tiny, 11), n, 2),
    /cannot change the thread count to 2 while a network step is running/,
  );
  const r = await first;
  assert.ok(Number.isFinite(r.loss));
  assert.equal(net.busy, false);
  await net.computeGradients(x, labels, n); // usable again
});

test('bad constructor options and bad step arguments throw errors naming the field', () => {
  const child = path.join(__dirname, 'network-errors.child.js');
  const r = spawnSync(process.execPath, [child], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `child exited with ${r.status} ${r.signal ?? ''}\n${r.stderr}\n${r.stdout}`);
  const results = JSON.parse(r.stdout) as { label: string; ok: boolean; got: string }[];
  assert.ok(results.length > 20);
  assert.deepEqual(
    results.filter((c) => !c.ok),
    [],
  );
});
