// cnn train's recipe options end to end: AdamW with label smoothing and class weights resumes
// to the same weights (at an epoch boundary and mid-epoch, its moments and step count in the
// checkpoint), --early-stop ends the run, --keep best leaves the best epoch's weights in --out,
// per-class accuracies reach the metrics file, and misuse is a usage error. Small runs
// (--limit) keep each test to seconds.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './run-cli';
import { sameTensors } from './same-tensors';
import { readSafetensors } from '../../src/model/checkpoint';
import { runTrain, type TrainCliOptions } from '../../src/cli/train';
import { StopSignal } from '../../src/cli/interrupt';
import type { ProgressReporter } from '../../src/train/progress';

const metricsOf = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

const ADAMW = ['--optimizer', 'adamw', '--label-smoothing', '0.1', '--class-weights', 'balanced'];

test('AdamW with label smoothing and class weights: resumed at an epoch boundary, the same weights and moments', () => {
  const dir = tempDir();
  const common = [
    '--limit',
    '600',
    '--batch-size',
    '50',
    '--threads',
    '2',
    '--seed',
    '7',
    '--schedule',
    'constant',
    ...ADAMW,
  ];
  const whole = path.join(dir, 'whole.safetensors');
  const parts = path.join(dir, 'parts.safetensors');
  const w = runCli(['train', 'lenet5', ...common, '--epochs', '2', '--out', whole]);
  assert.equal(w.status, 0, w.stderr);
  assert.match(
    w.stdout,
    /adamw: 2 epochs, batch 50, lr 0\.001 \(constant\), betas \(0\.9, 0\.999\), eps 1e-8, decoupled weight decay 0\.01/,
  );
  assert.match(w.stdout, /recipe: label smoothing 0\.1; class weights balanced \[/);
  assert.equal(runCli(['train', 'lenet5', ...common, '--epochs', '1', '--out', parts]).status, 0);
  const resumed = runCli(['train', 'lenet5', '--resume', parts, '--epochs', '2', '--threads', '2']);
  assert.equal(resumed.status, 0, resumed.stderr);
  sameTensors(whole, parts);
  const names = [...readSafetensors(whole).tensors.keys()];
  for (const prefix of ['optimizer.exp_avg.', 'optimizer.exp_avg_sq.'])
    assert.ok(names.includes(`${prefix}conv1.weight`), `${prefix} tensors saved`);
  assert.ok(!names.some((n) => n.startsWith('optimizer.momentum.')));
});

/** The options commander would hand runTrain for `cnn train lenet5 <given>`. */
function cliOptions(given: Partial<TrainCliOptions>): TrainCliOptions {
  return {
    threads: 2,
    seed: 1,
    dataset: 'mnist',
    checkpointEvery: '0',
    val: 0,
    warmup: 0,
    patience: 10,
    collectiveTimeout: 120,
    syncBatchNorm: true,
    gradientBuckets: 0.25,
    ...given,
  };
}

test('AdamW stopped mid-epoch resumes to the same weights as an uninterrupted run', async () => {
  const dir = tempDir();
  const given: Partial<TrainCliOptions> = {
    limit: 600,
    batchSize: 50,
    seed: 9,
    schedule: 'cosine',
    optimizer: 'adamw',
    labelSmoothing: 0.05,
    classWeights: 'balanced',
    epochs: 2,
  };
  const stopped = path.join(dir, 'stopped.safetensors');
  const stop = new StopSignal();
  // Stops after step 5 of epoch 2, wherever the clock stands: deterministic.
  let epochNow = 0;
  const progress: ProgressReporter = {
    startEpoch: (e) => {
      epochNow = e;
    },
    endEpoch: () => {},
    log: () => {},
    update: (s) => {
      if (epochNow === 2 && s.step === 5) stop.request();
    },
  };
  const explicit = new Set(Object.keys(given));
  const r = await runTrain('lenet5', cliOptions({ ...given, out: stopped }), {
    isExplicit: (k) => explicit.has(k),
    stop,
    progress,
  });
  assert.equal(r.status, 'stopped');
  assert.deepEqual([r.position.epoch, r.position.stepInEpoch], [1, 5]);
  const resumed = runCli(['train', 'lenet5', '--resume', stopped, '--threads', '2']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming from .* at epoch 2, step 5/);
  const whole = path.join(dir, 'whole.safetensors');
  const w = runCli([
    'train',
    'lenet5',
    '--limit',
    '600',
    '--batch-size',
    '50',
    '--seed',
    '9',
    '--schedule',
    'cosine',
    '--optimizer',
    'adamw',
    '--label-smoothing',
    '0.05',
    '--class-weights',
    'balanced',
    '--epochs',
    '2',
    '--threads',
    '2',
    '--out',
    whole,
  ]);
  assert.equal(w.status, 0, w.stderr);
  sameTensors(whole, stopped);
});

test('--early-stop ends the run once the validation accuracy has not improved for N epochs', () => {
  const dir = tempDir();
  const out = path.join(dir, 'early.safetensors');
  const metrics = path.join(dir, 'm.jsonl');
  // A rate too small to change any prediction: epoch 1 sets the best, epoch 2 only equals it.
  const r = runCli([
    'train',
    'lenet5',
    '--limit',
    '300',
    '--val',
    '100',
    '--lr',
    '1e-9',
    '--epochs',
    '6',
    '--early-stop',
    '1',
    '--batch-size',
    '50',
    '--threads',
    '2',
    '--out',
    out,
    '--metrics',
    metrics,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /early stop: no better validation accuracy for 1 epoch \(best [\d.]+% at epoch 1\)/);
  assert.match(r.stdout, /after 2 epochs/);
  const lines = metricsOf(metrics);
  assert.equal(lines.length, 2);
  assert.equal(lines[0].valAccuracy, lines[1].valAccuracy);
  // Resuming the ended run trains nothing more: the best is still 1 epoch behind.
  const again = runCli(['train', 'lenet5', '--resume', out, '--threads', '2']);
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /epoch 3\//);
});

test("--keep best (the default with --val) leaves the best epoch's weights in --out; per-class accuracies are in the metrics", () => {
  const dir = tempDir();
  // A rate high enough that the validation accuracy does not simply climb.
  const common = [
    '--limit',
    '600',
    '--val',
    '100',
    '--batch-size',
    '20',
    '--lr',
    '0.3',
    '--schedule',
    'constant',
    '--threads',
    '2',
    '--seed',
    '1',
  ];
  const kept = path.join(dir, 'kept.safetensors');
  const metrics = path.join(dir, 'm.jsonl');
  const r = runCli(['train', 'lenet5', ...common, '--epochs', '3', '--out', kept, '--metrics', metrics]);
  assert.equal(r.status, 0, r.stderr);
  const lines = metricsOf(metrics);
  const best = lines.reduce((b, l) => (l.valAccuracy > b.valAccuracy ? l : b));
  assert.match(r.stdout, new RegExp(`kept the best epoch in .*: epoch ${best.epoch}, validation accuracy`));
  assert.ok(!fs.existsSync(path.join(dir, 'kept.best.safetensors')), 'the best file was moved over --out');
  // The same run stopped after the best epoch, keeping its last: the same weights.
  const upTo = path.join(dir, 'upto.safetensors');
  assert.equal(
    runCli(['train', 'lenet5', ...common, '--epochs', String(best.epoch), '--keep', 'last', '--out', upTo]).status,
    0,
  );
  sameTensors(kept, upTo);
  for (const l of lines) {
    assert.equal(l.testClassAccuracy.length, 10);
    assert.equal(l.valClassAccuracy.length, 10);
    assert.ok(l.testClassAccuracy.every((a: number) => a >= 0 && a <= 1));
  }
  const last = path.join(dir, 'last.safetensors');
  const l = runCli(['train', 'lenet5', ...common, '--epochs', '3', '--keep', 'last', '--out', last]);
  assert.equal(l.status, 0, l.stderr);
  assert.doesNotMatch(l.stdout, /kept the best epoch/);
  if (best.epoch < 3) assert.throws(() => sameTensors(kept, last), /differs/);
});

test('recipe misuse is a usage error naming the option', () => {
  const cases: [string[], RegExp][] = [
    [['--early-stop', '2'], /--early-stop watches validation accuracy: give --val N/],
    [['--keep', 'best'], /--keep best picks the epoch by validation accuracy/],
    [['--optimizer', 'adamw', '--momentum', '0.9'], /--momentum is SGD's/],
    [['--class-weights', '1,2,3'], /--class-weights: 3 weights for 10 classes/],
    [['--class-weights', 'heavy'], /--class-weights heavy: give "balanced"/],
    [['--label-smoothing', '1'], /--label-smoothing.*below 1/],
    [['--optimizer', 'adam'], /--optimizer.*sgd, adamw/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(['train', 'lenet5', '--limit', '100', '--epochs', '1', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
  }
  const dir = tempDir();
  const out = path.join(dir, 'a.safetensors');
  assert.equal(runCli(['train', 'lenet5', '--limit', '200', '--epochs', '1', '--out', out]).status, 0);
  const r = runCli(['train', 'lenet5', '--resume', out, '--optimizer', 'adamw']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Option --optimizer adamw differs from the run in .*, which has sgd/);
});
