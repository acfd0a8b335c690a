// `cnn bench`: throughput on synthetic data, --json, and --profile's per-layer table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './run-cli';
import { loadNative } from '../../src/native';

test('bench --profile prints every layer of lenet5 and the shares of the step', () => {
  const r = runCli([
    'bench',
    'lenet5',
    '--steps',
    '3',
    '--warmup',
    '1',
    '--batch-size',
    '16',
    '--threads',
    '1',
    '--profile',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^lenet5: batch 16, 1 thread, 3 steps: [\d,]+ images\/s/);
  for (const layer of ['conv1', 'relu1', 'pool1', 'conv2', 'fc1', 'fc3', '(loss)', '(update)', '(other)'])
    assert.match(r.stdout, new RegExp(`^${layer.replace(/[()]/g, '\\$&')}\\s`, 'm'), `row for ${layer}`);
  const shares = [...r.stdout.matchAll(/\s(-?[\d.]+)%$/gm)].map((m) => Number(m[1]));
  const total = shares.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 100) < 1, `shares add up to 100%, got ${total}`);
  // The algorithm column: what each convolution runs, as the network chose it when built.
  assert.match(r.stdout, /^layer\s+kind\s+algorithm\s/m);
  assert.match(r.stdout, /^conv1\s+conv2d\s+direct\/direct\/direct\s/m);
  assert.match(r.stdout, /^fc1\s+dense\s+[\d.]+\s/m, 'no algorithm for a dense layer');
});

test('bench --profile under CNN_CONV_PATH=gemm runs every convolution as im2col + GEMM', () => {
  const r = runCli(
    ['bench', 'lenet5', '--steps', '1', '--warmup', '0', '--batch-size', '4', '--threads', '1', '--profile'],
    { env: { ...process.env, CNN_CONV_PATH: 'gemm' } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^conv1\s+conv2d\s+im2col\/im2col\/im2col\s/m);
  assert.match(r.stdout, /^conv2\s+conv2d\s+im2col\/im2col\/im2col\s/m);
});

test('bench refuses an unknown CNN_CONV_PATH with a usage error', () => {
  const r = runCli(['bench', 'lenet5', '--steps', '1', '--warmup', '0'], {
    env: { ...process.env, CNN_CONV_PATH: 'winograd' },
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cnn: error: CNN_CONV_PATH must be one of auto, gemm, implicit, direct, got "winograd"/);
});

test('bench --json reports throughput and, with --profile, the per-layer times', () => {
  const r = runCli(['bench', 'lenet5', '--steps', '2', '--warmup', '0', '--batch-size', '8', '--json', '--profile']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.model, 'lenet5');
  assert.equal(j.batchSize, 8);
  assert.ok(j.imagesPerSecond > 0 && j.msPerStep > 0);
  assert.equal(j.profile.steps, 2);
  assert.ok(j.profile.layers.some((l: { name: string; forwardMs: number }) => l.name === 'conv1' && l.forwardMs > 0));
});

test('bench names a bad option', () => {
  const r = runCli(['bench', 'lenet5', '--steps', '0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--steps/);
});

test('bench --precision bf16 says so where bf16 runs on the portable path, and only there', () => {
  const args = ['bench', 'lenet5', '--steps', '1', '--warmup', '0', '--batch-size', '4', '--threads', '1'];
  const portable = runCli([...args, '--precision', 'bf16'], { env: { ...process.env, CNN_GEMM_PATH: 'portable' } });
  assert.equal(portable.status, 0, portable.stderr);
  assert.match(portable.stderr, /note: bf16 runs on the portable path here .* slower than fp32/);
  const fp32 = runCli(args, { env: { ...process.env, CNN_GEMM_PATH: 'portable' } });
  assert.equal(fp32.status, 0, fp32.stderr);
  assert.doesNotMatch(fp32.stderr, /portable path/, 'no note for fp32');
});

test('bench --precision auto runs bf16 where the CPU multiplies it natively, fp32 where bf16 would be portable, and says which', () => {
  const args = ['bench', 'lenet5', '--steps', '1', '--warmup', '0', '--batch-size', '4', '--threads', '1'];
  const precisionOf = (env: NodeJS.ProcessEnv) => {
    const r = runCli([...args, '--precision', 'auto', '--json'], { env });
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { precision: string }).precision;
  };
  const portableEnv = { ...process.env, CNN_GEMM_PATH: 'portable' };
  assert.equal(precisionOf(portableEnv), 'fp32');
  const portable = runCli([...args, '--precision', 'auto'], { env: portableEnv });
  assert.equal(portable.status, 0, portable.stderr);
  assert.match(portable.stderr, /precision auto: fp32 \(no AVX512-BF16 or AMX here/);
  assert.doesNotMatch(portable.stderr, /bf16 runs on the portable path/, 'auto never picks the slow bf16');

  const unit = loadNative().kernelPaths().gemmBf16;
  const expected = unit === 'portable' ? 'fp32' : 'bf16';
  assert.equal(precisionOf(process.env), expected, `the bf16 GEMM path here is ${unit}`);
  const chosen = runCli([...args, '--precision', 'auto']);
  assert.equal(chosen.status, 0, chosen.stderr);
  assert.match(chosen.stderr, new RegExp(`precision auto: ${expected} `));
});
