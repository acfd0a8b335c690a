// The native network's AdamW update and training-loss options: applyUpdate with optimizer
// "adamw" follows torch.optim.AdamW per tensor (decoupled decay on conv and dense weights
// only), and computeGradients with loss options reports torch's weighted, smoothed
// cross-entropy while evaluation keeps reporting the plain one.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadNative } from '../../src/native';
import { adamwRef, weightedSmoothedXentRef } from '../ops/reference';
import { build, everyKindNet, initParams, options, randomData, smallConvNet } from './tiny-nets';

const addon = loadNative();

test('applyUpdate with AdamW: torch.optim.AdamW per element over two steps, decay on conv and dense weights only', async () => {
  const tiny = everyKindNet();
  const n = 4;
  const o = options(tiny, initParams(tiny, 31), n);
  const secondMoment = new Float32Array(tiny.paramSize);
  const net = new addon.Network({ ...o, secondMoment });
  const { x, labels } = randomData(tiny, n, 32);
  const s = {
    lr: 0.01,
    momentum: 0,
    weightDecay: 0.2,
    optimizer: 'adamw' as const,
    beta1: 0.9,
    beta2: 0.99,
    eps: 1e-8,
  };
  const ref = new Map<string, ReturnType<typeof adamwRef>>();
  for (const step of [1, 2]) {
    await net.computeGradients(x, labels, n);
    const p0 = o.params.slice(),
      g = o.grads.slice();
    net.applyUpdate({ ...s, step });
    for (const l of tiny.layers) {
      const decayed = l.kind === 'conv2d' || l.kind === 'dense';
      for (const [role, offset, size] of [
        ['weight', l.weightOffset, l.weightSize],
        ['bias', l.biasOffset, l.biasSize],
      ] as const) {
        if (size === 0) continue;
        const key = `${l.name}.${role}`;
        // From the network's own weights before the step, the moments carried in float64.
        const prev = {
          params: Float64Array.from(p0.subarray(offset, offset + size)),
          expAvg: ref.get(key)?.expAvg ?? new Float64Array(size),
          expAvgSq: ref.get(key)?.expAvgSq ?? new Float64Array(size),
        };
        const next = adamwRef(prev, g.subarray(offset, offset + size), {
          ...s,
          weightDecay: role === 'weight' && decayed ? s.weightDecay : 0,
          step,
        });
        ref.set(key, next);
        for (let k = 0; k < size; k++) {
          const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * (1 + Math.abs(b));
          assert.ok(
            close(o.params[offset + k], next.params[k]),
            `${key}[${k}] step ${step}: ${o.params[offset + k]} vs ${next.params[k]}`,
          );
          assert.ok(close(o.velocity[offset + k], next.expAvg[k]), `${key}[${k}] step ${step}: exp_avg`);
          assert.ok(close(secondMoment[offset + k], next.expAvgSq[k]), `${key}[${k}] step ${step}: exp_avg_sq`);
        }
      }
    }
  }
});

test('AdamW is refused by a network without a second-moment array, and a bad step or beta is a RangeError', () => {
  const tiny = smallConvNet();
  const { net } = build(addon, tiny, initParams(tiny, 1), 2);
  const adamw = {
    lr: 0.01,
    momentum: 0,
    weightDecay: 0,
    optimizer: 'adamw' as const,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    step: 1,
  };
  assert.throws(
    () => net.applyUpdate(adamw),
    /applyUpdate: sgd.optimizer "adamw" needs the network built with a secondMoment array/,
  );
  const o = options(tiny, initParams(tiny, 1), 2);
  const withMoment = new addon.Network({ ...o, secondMoment: new Float32Array(tiny.paramSize) });
  assert.throws(() => withMoment.applyUpdate({ ...adamw, step: 0 }), RangeError);
  assert.throws(() => withMoment.applyUpdate({ ...adamw, beta2: 1 }), RangeError);
  assert.throws(
    () => new addon.Network({ ...o, secondMoment: new Float32Array(3) }),
    /secondMoment must have the length of params/,
  );
});

test("loss options: training reports torch's weighted, smoothed loss; evaluation the plain cross-entropy", async () => {
  const tiny = smallConvNet(4);
  const n = 6;
  const params = initParams(tiny, 41);
  const { x, labels } = randomData(tiny, n, 42);
  const classWeights = new Float32Array([1, 3, 0.5, 2]);
  const net = new addon.Network({ ...options(tiny, params, n), loss: { labelSmoothing: 0.15, classWeights } });
  const plain = build(addon, tiny, params, n).net;
  const probs = new Float32Array(n * 4);
  const evaluated = await net.evaluate(x, labels, n, probs);
  const logits = new Float32Array(n * 4);
  net.layerOutput(tiny.layers.length - 1, n, logits);
  const ref = weightedSmoothedXentRef(n, 4, logits, labels, 0.15, classWeights);
  const trained = await net.computeGradients(x, labels, n);
  assert.ok(
    Math.abs(trained.loss - ref.lossSum / ref.weightSum) <= 1e-5,
    `training loss ${trained.loss} vs ${ref.lossSum / ref.weightSum}`,
  );
  const plainEval = await plain.evaluate(x, labels, n, new Float32Array(n * 4));
  assert.equal(evaluated.loss, plainEval.loss, 'evaluation ignores the loss options');
  assert.notEqual(trained.loss, evaluated.loss);
  assert.throws(
    () => new addon.Network({ ...options(tiny, params, n), loss: { classWeights: new Float32Array(3) } }),
    /classWeights must have classes = 4 values/,
  );
  assert.throws(
    () => new addon.Network({ ...options(tiny, params, n), loss: { labelSmoothing: 1.5 } }),
    /labelSmoothing must be in \[0, 1\]/,
  );
});
