// Frozen layers in the native network (transfer learning, --freeze): no update of any kind,
// zero gradients, a frozen batch norm that normalises with its running statistics (checked
// against finite differences), backward skipped below the first trainable layer without
// changing the other gradients; and the per-layer weight-gradient norms of the metrics log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative, type NativeLayerDesc } from '../../src/native';
import { build, initParams, planTiny, randomData, residualNet, type TinyNet } from './tiny-nets';

const addon = loadNative();
const sgd = { lr: 0.1, momentum: 0.9, weightDecay: 0.01 };

function withFrozen(net: TinyNet, frozen: number[]): TinyNet {
  return { ...net, layers: net.layers.map((l, i) => (frozen.includes(i) ? { ...l, frozen: true } : { ...l })) };
}

/** Every tensor of a layer: weight, bias and (batch norm) running statistics. */
function tensorsOf(l: NativeLayerDesc): [number, number][] {
  const t: [number, number][] = [];
  if (l.weightSize) t.push([l.weightOffset, l.weightSize]);
  if (l.biasSize) t.push([l.biasOffset, l.biasSize]);
  if (l.runningMeanOffset !== undefined)
    t.push([l.runningMeanOffset, l.inShape[0]], [l.runningVarOffset!, l.inShape[0]]);
  return t;
}

const slice = (a: Float32Array, [o, n]: [number, number]) => Array.from(a.subarray(o, o + n));

test('frozen layers keep their weights, biases and batch-norm statistics bitwise; the others train', async () => {
  const frozenIdx = [0, 1, 3, 4]; // the first conv + bn pair and the second
  const net = withFrozen(residualNet(0), frozenIdx);
  const start = initParams(net, 3);
  const b = build(addon, net, start, 8);
  const { x, labels } = randomData(net, 8, 4);
  for (let s = 0; s < 3; s++) await b.net.trainStep(x, labels, 8, sgd);
  net.layers.forEach((l, i) => {
    for (const t of tensorsOf(l)) {
      if (frozenIdx.includes(i)) {
        assert.deepEqual(slice(b.params, t), slice(start, t), `layer ${l.name} changed`);
        assert.ok(
          slice(b.grads, t).every((g) => g === 0),
          `layer ${l.name} has a gradient`,
        );
        assert.ok(
          slice(b.velocity, t).every((v) => v === 0),
          `layer ${l.name} has momentum`,
        );
      }
    }
  });
  const trainable = net.layers.filter((l, i) => !frozenIdx.includes(i) && l.weightSize > 0);
  assert.ok(trainable.length >= 3);
  for (const l of trainable)
    assert.notDeepEqual(
      slice(b.params, [l.weightOffset, l.weightSize]),
      slice(start, [l.weightOffset, l.weightSize]),
      `${l.name} did not train`,
    );
});

test('a frozen batch norm passes the gradient of its running-statistics affine map (finite differences)', async () => {
  const base = planTiny(
    [2, 6, 6],
    [
      { kind: 'conv2d', filters: 3, k: 3, p: 1 }, // 0: trainable
      { kind: 'batchnorm' }, // 1: frozen
      { kind: 'tanh' },
      { kind: 'flatten' },
      { kind: 'dense', units: 4 },
    ],
  );
  const net = withFrozen(base, [1]);
  const params = initParams(net, 5);
  const bn = net.layers[1];
  for (let c = 0; c < 3; c++) {
    params[bn.runningMeanOffset! + c] = 0.1 * (c - 1);
    params[bn.runningVarOffset! + c] = 0.5 + 0.4 * c;
  }
  const n = 4;
  const b = build(addon, net, params, n);
  const { x, labels } = randomData(net, n, 6);
  await b.net.computeGradients(x, labels, n);
  const grads = b.grads.slice();
  // Training and evaluation agree for a frozen batch norm, so evaluate() gives the loss to differentiate.
  const probs = new Float32Array(n * net.classes);
  const lossAt = async (k: number, v: number) => {
    const saved = b.params[k];
    b.params[k] = v;
    const r = await b.net.evaluate(x, labels, n, probs);
    b.params[k] = saved;
    return r.loss;
  };
  const conv = net.layers[0];
  const h = 1e-2;
  for (const k of [0, 7, 20, conv.weightSize - 1, conv.biasOffset]) {
    const numeric = ((await lossAt(k, b.params[k] + h)) - (await lossAt(k, b.params[k] - h))) / (2 * h);
    assert.ok(
      Math.abs(numeric - grads[k]) <= 2e-3 + 2e-2 * Math.abs(numeric),
      `param ${k}: analytic ${grads[k]}, numeric ${numeric}`,
    );
  }
  const stats = tensorsOf(bn).slice(2);
  for (const t of stats) assert.deepEqual(slice(b.params, t), slice(params, t), 'running statistics changed');
});

test("backward below the last frozen prefix is skipped without changing the trainable layers' gradients", async () => {
  const base = planTiny(
    [1, 10, 10],
    [
      { kind: 'conv2d', filters: 4, k: 3, p: 1 },
      { kind: 'relu' },
      { kind: 'maxpool', k: 2 },
      { kind: 'conv2d', filters: 4, k: 3 },
      { kind: 'relu' },
      { kind: 'flatten' },
      { kind: 'dense', units: 5 },
    ],
  );
  const params = initParams(base, 7);
  const { x, labels } = randomData(base, 6, 8);
  const all = build(addon, base, params, 6);
  const frozen = build(addon, withFrozen(base, [0, 3]), params, 6);
  const r1 = await all.net.computeGradients(x, labels, 6);
  const r2 = await frozen.net.computeGradients(x, labels, 6);
  assert.equal(r1.loss, r2.loss);
  const dense = base.layers[6];
  assert.deepEqual(
    slice(frozen.grads, [dense.weightOffset, dense.weightSize + dense.biasSize]),
    slice(all.grads, [dense.weightOffset, dense.weightSize + dense.biasSize]),
  );
  assert.ok(frozen.grads.subarray(0, dense.weightOffset).every((g) => g === 0));
  assert.ok(all.grads.subarray(0, dense.weightOffset).some((g) => g !== 0));
});

test("weightGradNorms is the L2 norm of each layer's weight gradient; frozen flags are checked", async () => {
  const net = residualNet(0);
  const b = build(addon, net, initParams(net, 9), 4);
  const { x, labels } = randomData(net, 4, 10);
  await b.net.trainStep(x, labels, 4, sgd);
  const norms = b.net.weightGradNorms();
  assert.equal(norms.length, net.layers.length);
  net.layers.forEach((l, i) => {
    let sum = 0;
    for (let k = 0; k < l.weightSize; k++) sum += b.grads[l.weightOffset + k] ** 2;
    assert.ok(
      Math.abs(norms[i] - Math.sqrt(sum)) <= 1e-9 + 1e-6 * Math.sqrt(sum),
      `${l.name}: ${norms[i]} vs ${Math.sqrt(sum)}`,
    );
    if (l.weightSize === 0) assert.equal(norms[i], 0);
  });
  assert.ok(norms[0] > 0);
  const relu = net.layers.findIndex((l) => l.kind === 'relu');
  assert.throws(
    () => build(addon, withFrozen(net, [relu]), initParams(net, 9), 4),
    /frozen: the layer has no parameters to freeze/,
  );
  const bad = { ...net, layers: net.layers.map((l, i) => (i === 0 ? { ...l, frozen: 1 as unknown as boolean } : l)) };
  assert.throws(() => build(addon, bad, initParams(net, 9), 4), /frozen must be a boolean/);
});
