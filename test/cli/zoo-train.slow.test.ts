// The model zoo from the CLI: a JSON model with a residual block trains, evaluates and
// resumes; each 32x32 zoo family runs training steps on adapted MNIST images (grey
// replicated to 3 channels, 28x28 padded to 32x32) with a falling loss.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli, tempDir } from './run-cli';
import { readSafetensors } from '../../src/model/checkpoint';
import { smallMnist } from './small-mnist';

test('a JSON model with a residual block trains from the CLI, and eval reads its checkpoint', () => {
  const dir = tempDir();
  const out = path.join(dir, 'residual.safetensors');
  const model = path.join(ROOT, 'examples', 'residual-mini.json');
  const data = smallMnist(3000, 1000);
  const r = runCli(['train', model, '--data', data, '--epochs', '2', '--batch-size', '32', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const line = /final test accuracy (\d+\.\d+)%/.exec(r.stdout);
  assert.ok(line, r.stdout);
  assert.ok(Number(line[1]) > 50, `accuracy ${line[1]}% should be far above chance`);
  const { tensors } = readSafetensors(out);
  // PyTorch's batch-norm names: running statistics and the int64 step counter.
  for (const name of [
    'bn1.weight',
    'bn1.bias',
    'bn1.running_mean',
    'bn1.running_var',
    'bn1.num_batches_tracked',
    'layer1.0.downsample.0.weight',
  ]) {
    assert.ok(tensors.has(name), `checkpoint lacks ${name}: ${[...tensors.keys()].join(', ')}`);
  }
  assert.equal(
    (tensors.get('bn1.num_batches_tracked')!.data as BigInt64Array)[0],
    188n,
    'one per training step (2 x 3000 / 32 rounded up)',
  );
  const e = runCli(['eval', out, '--json']);
  assert.equal(e.status, 0, e.stderr);
  assert.ok(JSON.parse(e.stdout).accuracy > 0.5);
});

for (const model of ['alexnet-lite', 'vgg-small', 'resnet20']) {
  test(`${model} trains on adapted MNIST images with a falling loss`, () => {
    const dir = tempDir();
    const metrics = path.join(dir, 'm.jsonl');
    const r = runCli(
      [
        'train',
        model,
        '--data',
        smallMnist(640, 100),
        '--epochs',
        '2',
        '--batch-size',
        '32',
        '--lr',
        '0.02',
        '--schedule',
        'constant',
        '--augment',
        'none',
        '--out',
        path.join(dir, 'x.safetensors'),
        '--metrics',
        metrics,
      ],
      { timeoutMs: 300000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /28x28 images zero-padded to 32x32; grey replicated to 3 channels/);
    const epochs = fs
      .readFileSync(metrics, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(epochs.length, 2);
    assert.ok(epochs[1].trainLoss < epochs[0].trainLoss, `train loss ${epochs[0].trainLoss} -> ${epochs[1].trainLoss}`);
  });
}
