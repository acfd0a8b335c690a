// --precision end to end: a bf16 run says so, stores the setting in its checkpoint (whose
// tensors stay fp32, the format unchanged), resumes to the same weights as an uninterrupted
// run, refuses a resume in another precision; eval and bench take the option too; auto picks
// bf16 where the CPU multiplies it natively, says so, and stores what it picked.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runCli, tempDir } from './run-cli';
import { sameTensors } from './same-tensors';
import { readSafetensors } from '../../src/model/checkpoint';
import { loadCheckpoint } from '../../src/train/training-checkpoint';

const COMMON = [
  '--limit',
  '600',
  '--batch-size',
  '50',
  '--threads',
  '2',
  '--seed',
  '3',
  '--schedule',
  'constant',
  '--precision',
  'bf16',
];

test('train --precision bf16: logged, stored, fp32 tensors, resumes bitwise, another precision refused on resume', () => {
  const dir = tempDir();
  const whole = path.join(dir, 'whole.safetensors');
  const parts = path.join(dir, 'parts.safetensors');
  const w = runCli(['train', 'lenet5', ...COMMON, '--epochs', '2', '--out', whole]);
  assert.equal(w.status, 0, w.stderr);
  assert.match(w.stdout, /recipe: bf16 precision/);
  assert.equal(loadCheckpoint(whole).settings?.precision, 'bf16');
  for (const [name, t] of readSafetensors(whole).tensors)
    if (!name.startsWith('optimizer.step')) assert.ok(t.data instanceof Float32Array, `${name} is stored as F32`);

  assert.equal(runCli(['train', 'lenet5', ...COMMON, '--epochs', '1', '--out', parts]).status, 0);
  const refused = runCli(['train', 'lenet5', '--resume', parts, '--epochs', '2', '--precision', 'fp32']);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /Option --precision fp32 differs from the run in .*, which has bf16/);
  const resumed = runCli(['train', 'lenet5', '--resume', parts, '--epochs', '2', '--threads', '2']);
  assert.equal(resumed.status, 0, resumed.stderr);
  sameTensors(whole, parts);

  const fp32 = runCli(['train', 'lenet5', '--limit', '200', '--epochs', '1', '--out', path.join(dir, 'f.safetensors')]);
  assert.equal(fp32.status, 0, fp32.stderr);
  assert.equal(loadCheckpoint(path.join(dir, 'f.safetensors')).settings?.precision, undefined);
  assert.doesNotMatch(fp32.stdout, /bf16/);
});

test('train --precision auto logs its choice and stores the precision it picked', () => {
  const dir = tempDir();
  const out = path.join(dir, 'auto.safetensors');
  const r = runCli(['train', 'lenet5', '--limit', '200', '--epochs', '1', '--precision', 'auto', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const picked = /precision auto: (bf16|fp32) /.exec(r.stdout);
  assert.ok(picked, `no line about auto's choice in:\n${r.stdout}`);
  assert.equal(loadCheckpoint(out).settings?.precision, picked[1] === 'bf16' ? 'bf16' : undefined);
  const portable = runCli(['train', 'lenet5', '--limit', '200', '--epochs', '1', '--precision', 'auto', '--out', out], {
    env: { ...process.env, CNN_GEMM_PATH: 'portable' },
  });
  assert.equal(portable.status, 0, portable.stderr);
  assert.match(portable.stdout, /precision auto: fp32 /);
  assert.equal(loadCheckpoint(out).settings?.precision, undefined);

  // A bf16 run resumed with auto: where auto picks fp32 the resume is refused, naming auto's choice.
  const bf16 = path.join(dir, 'bf16.safetensors');
  assert.equal(
    runCli(['train', 'lenet5', '--limit', '200', '--epochs', '1', '--precision', 'bf16', '--out', bf16]).status,
    0,
  );
  const refused = runCli(['train', 'lenet5', '--resume', bf16, '--epochs', '2', '--precision', 'auto'], {
    env: { ...process.env, CNN_GEMM_PATH: 'portable' },
  });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /Option --precision auto \(fp32 here\) differs from the run in .*, which has bf16/);
});

test('eval --precision bf16 agrees with fp32 within a point; bench reports the precision; an unknown one is a usage error', () => {
  const dir = tempDir();
  const out = path.join(dir, 'm.safetensors');
  assert.equal(
    runCli(['train', 'lenet5', '--limit', '6000', '--epochs', '1', '--threads', '2', '--out', out]).status,
    0,
  );
  const accuracy = (precision: string) => {
    const r = runCli(['eval', out, '--json', '--threads', '2', '--precision', precision]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).accuracy as number;
  };
  const fp32 = accuracy('fp32'),
    bf16 = accuracy('bf16');
  assert.ok(fp32 > 0.8, `fp32 accuracy ${fp32}`);
  assert.ok(Math.abs(bf16 - fp32) <= 0.01, `bf16 ${bf16} against fp32 ${fp32}`);

  const bench = runCli([
    'bench',
    'lenet5',
    '--steps',
    '2',
    '--warmup',
    '1',
    '--threads',
    '1',
    '--precision',
    'bf16',
    '--json',
  ]);
  assert.equal(bench.status, 0, bench.stderr);
  const result = JSON.parse(bench.stdout);
  assert.equal(result.precision, 'bf16');
  assert.ok(result.imagesPerSecond > 0);

  for (const command of [
    ['train', 'lenet5', '--limit', '100'],
    ['bench', 'lenet5'],
    ['eval', out],
  ]) {
    const r = runCli([...command, '--precision', 'fp16']);
    assert.equal(r.status, 2, command.join(' '));
    assert.match(r.stderr, /--precision.*fp32, bf16/);
  }
});
