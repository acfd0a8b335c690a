// End to end: train from the CLI on real MNIST images, evaluate the checkpoint, resume a
// run. Small runs (--limit) keep this to seconds. Runs stopped by signals: signals.slow.test.ts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './run-cli';
import { sameTensors } from './same-tensors';

test('train lenet5 on 2,000 images for one epoch, then eval its checkpoint', () => {
  const dir = tempDir();
  const out = path.join(dir, 'lenet5.safetensors');
  const metrics = path.join(dir, 'metrics.jsonl');
  // Batch 16 gives the single epoch 125 steps: enough to be far above chance.
  const r = runCli([
    'train',
    'lenet5',
    '--limit',
    '2000',
    '--epochs',
    '1',
    '--batch-size',
    '16',
    '--out',
    out,
    '--metrics',
    metrics,
    '--threads',
    '2',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /final test accuracy \d+\.\d+%/);
  assert.doesNotMatch(r.stdout, /\x1b/, 'no control characters when stdout is not a terminal');
  assert.ok(fs.existsSync(out));
  const line = JSON.parse(fs.readFileSync(metrics, 'utf8').trim());
  for (const key of [
    'epoch',
    'trainLoss',
    'trainAccuracy',
    'testLoss',
    'testAccuracy',
    'imagesPerSecond',
    'seconds',
    'lr',
  ]) {
    assert.equal(typeof line[key], 'number', key);
  }
  assert.ok(line.testAccuracy > 0.6, `test accuracy ${line.testAccuracy} should be far above chance`);

  const e = runCli(['eval', out, '--json']);
  assert.equal(e.status, 0, e.stderr);
  const result = JSON.parse(e.stdout);
  assert.ok(result.accuracy > 0.6, `eval accuracy ${result.accuracy}`);
  assert.ok(Math.abs(result.accuracy - line.testAccuracy) < 1e-9, 'eval agrees with the training log');
  assert.equal(result.perClass.length, 10);
  assert.equal(result.confusion.length, 10);
  assert.equal(
    result.confusion.flat().reduce((a: number, b: number) => a + b, 0),
    10000,
  );

  const table = runCli(['eval', out]);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /accuracy \d+\.\d+%/);
  assert.match(table.stdout, /confusion matrix/);
});

test('a run resumed at an epoch boundary ends with the same weights as an uninterrupted one', () => {
  const dir = tempDir();
  // A constant schedule, so that a 1-epoch run's rates are the first epoch of a 2-epoch run's.
  const common = ['--limit', '1000', '--batch-size', '50', '--threads', '2', '--seed', '7', '--schedule', 'constant'];
  const whole = path.join(dir, 'whole.safetensors');
  const parts = path.join(dir, 'parts.safetensors');
  assert.equal(runCli(['train', 'lenet5', ...common, '--epochs', '2', '--out', whole]).status, 0);
  assert.equal(runCli(['train', 'lenet5', ...common, '--epochs', '1', '--out', parts]).status, 0);
  const resumed = runCli(['train', 'lenet5', '--resume', parts, '--epochs', '2', '--threads', '2']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming from/);
  sameTensors(whole, parts);
});

test('augmentation, a validation split and the plateau schedule resume to the same weights', () => {
  const dir = tempDir();
  const common = [
    '--limit',
    '1200',
    '--batch-size',
    '50',
    '--threads',
    '2',
    '--seed',
    '11',
    '--val',
    '200',
    '--schedule',
    'plateau',
    '--patience',
    '1',
    '--augment',
    'shift=2,rotate=5',
  ];
  const whole = path.join(dir, 'whole.safetensors');
  const parts = path.join(dir, 'parts.safetensors');
  const w = runCli(['train', 'lenet5', ...common, '--epochs', '3', '--out', whole]);
  assert.equal(w.status, 0, w.stderr);
  assert.match(w.stdout, /1,000 training, 200 held out for validation/);
  assert.match(w.stdout, /val loss [\d.]+ acc [\d.]+%/);
  assert.match(w.stdout, /best validation accuracy/);
  assert.equal(runCli(['train', 'lenet5', ...common, '--epochs', '2', '--out', parts]).status, 0);
  const resumed = runCli(['train', 'lenet5', '--resume', parts, '--epochs', '3', '--threads', '2']);
  assert.equal(resumed.status, 0, resumed.stderr);
  sameTensors(whole, parts);
});

test('the plateau schedule without --val, and a bad --augment, are usage errors', () => {
  const plateau = runCli(['train', 'lenet5', '--schedule', 'plateau', '--epochs', '1']);
  assert.equal(plateau.status, 2);
  assert.match(plateau.stderr, /--val/);
  const augment = runCli(['train', 'lenet5', '--augment', 'spin=3']);
  assert.equal(augment.status, 2);
  assert.match(augment.stderr, /--augment/);
  assert.match(augment.stderr, /spin/);
});

test('resume refuses to change the settings of the run', () => {
  const dir = tempDir();
  const out = path.join(dir, 'a.safetensors');
  assert.equal(runCli(['train', 'lenet5', '--limit', '500', '--epochs', '1', '--out', out]).status, 0);
  const r = runCli(['train', 'lenet5', '--resume', out, '--lr', '0.5']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--lr/);
  const other = runCli(['train', 'lenet5-classic', '--resume', out]);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /lenet5/);
});

test('a diverging run stops with the step and a lower learning rate, and leaves the last checkpoint alone', () => {
  const dir = tempDir();
  const out = path.join(dir, 'mlp.safetensors');
  assert.equal(runCli(['train', 'mlp', '--limit', '500', '--epochs', '1', '--out', out]).status, 0);
  const before = fs.readFileSync(out);
  const r = runCli([
    'train',
    'mlp',
    '--lr',
    '10',
    '--momentum',
    '0.99',
    '--limit',
    '3000',
    '--epochs',
    '1',
    '--threads',
    '2',
    '--out',
    out,
  ]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /diverged at epoch 1, step \d+/);
  assert.match(r.stderr, /lower learning rate \(--lr 1\.0\)/);
  assert.ok(fs.readFileSync(out).equals(before), 'the previous checkpoint is untouched');
});
