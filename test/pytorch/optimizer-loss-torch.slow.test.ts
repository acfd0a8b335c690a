// cnn's AdamW update and its weighted, label-smoothed cross-entropy against PyTorch itself:
// torch.optim.AdamW over five steps of given gradients, and torch.nn.CrossEntropyLoss(weight,
// label_smoothing) with its gradient, on the same float32 inputs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';
import { Rng } from '../../src/train/rng';
import { randomF32 } from '../ops/reference';
import { pythonModuleMissing, runPython } from './python-torch';

const missing = pythonModuleMissing('torch');
const native = loadTestAddon();

function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol: number): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])),
      `${what}[${i}]: ${actual[i]} vs PyTorch ${expected[i]}`,
    );
  }
}

test('adamwUpdate equals torch.optim.AdamW over five steps', { skip: missing ?? false }, () => {
  const rng = new Rng(5);
  const count = 257;
  const p0 = randomF32(rng, count);
  const grads = Array.from({ length: 5 }, () => randomF32(rng, count));
  const s = { lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.05 };
  const torch = runPython<{ p: number[]; m: number[]; v: number[] }>(
    'torch',
    `
import json, sys, torch
job = json.load(sys.stdin)
p = torch.nn.Parameter(torch.tensor(job['p0'], dtype=torch.float32))
opt = torch.optim.AdamW([p], lr=job['lr'], betas=(job['beta1'], job['beta2']), eps=job['eps'], weight_decay=job['weightDecay'])
for g in job['grads']:
    p.grad = torch.tensor(g, dtype=torch.float32)
    opt.step()
st = opt.state[p]
print(json.dumps({'p': p.detach().tolist(), 'm': st['exp_avg'].tolist(), 'v': st['exp_avg_sq'].tolist()}))
`,
    { ...s, p0: Array.from(p0), grads: grads.map((g) => Array.from(g)) },
  );
  const p = p0.slice(),
    m = new Float32Array(count),
    v = new Float32Array(count);
  grads.forEach((g, i) => native.adamwUpdate(p, g, m, v, { ...s, step: i + 1 }));
  assertNear(p, torch.p, 'params', 1e-6);
  assertNear(m, torch.m, 'exp_avg', 1e-6);
  assertNear(v, torch.v, 'exp_avg_sq', 1e-6);
});

test(
  'softmaxCrossEntropyWithOptions equals torch.nn.CrossEntropyLoss(weight, label_smoothing) and its gradient',
  { skip: missing ?? false },
  () => {
    const rng = new Rng(6);
    const n = 8,
      k = 5;
    const logits = randomF32(rng, n * k, -3, 3);
    const labels = Int32Array.from({ length: n }, (_, i) => i % k);
    const weights = new Float32Array([0.5, 2, 1, 0.25, 3]);
    const torch = runPython<{ loss: number; grad: number[] }>(
      'torch',
      `
import json, sys, torch
job = json.load(sys.stdin)
z = torch.tensor(job['logits'], dtype=torch.float32).reshape(job['n'], job['k']).requires_grad_()
loss = torch.nn.CrossEntropyLoss(weight=torch.tensor(job['weights']), label_smoothing=job['smoothing'])(z, torch.tensor(job['labels']))
loss.backward()
print(json.dumps({'loss': loss.item(), 'grad': z.grad.flatten().tolist()}))
`,
      { n, k, logits: Array.from(logits), labels: Array.from(labels), weights: Array.from(weights), smoothing: 0.2 },
    );
    const dlogits = new Float32Array(n * k);
    const r = native.softmaxCrossEntropyWithOptions(n, k, logits, labels, new Float32Array(n * k), dlogits, {
      labelSmoothing: 0.2,
      classWeights: weights,
    });
    assertNear([r.lossSum / r.weightSum], [torch.loss], 'loss', 1e-6);
    assertNear(dlogits, torch.grad, 'dlogits', 1e-6);
  },
);
