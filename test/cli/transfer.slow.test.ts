// Transfer learning and the lectures' experiment flags, run as a user runs them: LeNet-5 on
// digits 0-4, then digits 5-9 from its weights with the conv layers frozen and a new head;
// a pixel-permuted, tanh MLP whose checkpoint makes eval repeat the permutation; gradNorms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './run-cli';
import { readSafetensors } from '../../src/model/checkpoint';

const dir = tempDir('cnn-transfer-');
const source = path.join(dir, 'digits04.safetensors');
const target = path.join(dir, 'digits59.safetensors');
const common = ['--threads', '2', '--epochs', '1', '--checkpoint-every', '0'];

function ok(args: string[]) {
  const r = runCli(args);
  assert.equal(r.status, 0, `cnn ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const f32 = (file: string, name: string) => {
  const t = readSafetensors(file).tensors.get(name);
  assert.ok(t, `${name} in ${file}`);
  return t;
};

test('lenet5 on digits 0-4, then 5-9 with frozen convs and a new head: frozen weights unchanged, accuracy well above chance', () => {
  ok(['train', 'lenet5', '--labels', '0-4', '--classes', '5', '--limit', '3000', '--out', source, ...common]);
  const metrics = path.join(dir, 'transfer.jsonl');
  const r = ok([
    'train',
    'lenet5',
    '--labels',
    '5-9',
    '--classes',
    '5',
    '--from',
    source,
    '--freeze',
    'conv1,conv2',
    '--reinit-head',
    '--limit',
    '3000',
    '--out',
    target,
    '--metrics',
    metrics,
    ...common,
  ]);
  assert.match(r.stdout, /frozen \(no update\): conv1, conv2/);
  for (const name of ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias']) {
    assert.deepEqual(
      Buffer.from(f32(target, name).data.buffer),
      Buffer.from(f32(source, name).data.buffer),
      `${name} changed`,
    );
  }
  assert.notDeepEqual(
    Buffer.from(f32(target, 'fc1.weight').data.buffer),
    Buffer.from(f32(source, 'fc1.weight').data.buffer),
  );
  assert.deepEqual(f32(target, 'fc3.weight').shape, [5, 84]);

  const meta = readSafetensors(target).metadata;
  const training = JSON.parse(meta.training);
  assert.equal(training.from, source);
  assert.deepEqual(training.freeze, ['conv1', 'conv2']);
  assert.equal(training.reinitHead, true);
  assert.deepEqual(JSON.parse(meta.dataset).labels, [5, 6, 7, 8, 9]);

  const evalRun = ok(['eval', target, '--json', '--threads', '2']);
  const result = JSON.parse(evalRun.stdout);
  assert.equal(result.confusion.length, 5);
  assert.ok(result.accuracy > 0.8, `accuracy on digits 5-9 is ${result.accuracy}`);

  const line = JSON.parse(fs.readFileSync(metrics, 'utf8').trim().split('\n')[0]);
  assert.deepEqual(Object.keys(line.gradNorms), ['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
  assert.equal(line.gradNorms.conv1, 0);
  assert.ok(line.gradNorms.fc1 > 0 && line.gradNorms.fc3 > 0);
});

test('transfer mistakes are usage errors naming the tensor, the layer or the conflict', () => {
  const wrongClasses = runCli(['train', 'lenet5', '--from', source, '--out', path.join(dir, 'x.safetensors')]);
  assert.equal(wrongClasses.status, 2);
  assert.match(
    wrongClasses.stderr,
    /tensor "fc3.weight" has shape \[5, 84\] in the checkpoint but model lenet5 needs \[10, 84\]; add --reinit-head/,
  );
  const both = runCli(['train', 'lenet5', '--resume', target, '--from', source]);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--from and --resume cannot be combined/);
  const noLayer = runCli(['train', 'lenet5', '--freeze', 'conv9']);
  assert.equal(noLayer.status, 2);
  assert.match(
    noLayer.stderr,
    /--freeze conv9: model lenet5 has no layer or block named "conv9"; layers with weights: conv1, conv2, fc1, fc2, fc3/,
  );
  const badLabels = runCli(['train', 'lenet5', '--labels', '3,3']);
  assert.equal(badLabels.status, 2);
  assert.match(badLabels.stderr, /label 3 is listed twice/);
});

test('--permute-pixels and --activation are kept in the checkpoint: eval repeats the permutation and rebuilds the net', () => {
  const out = path.join(dir, 'mlp-permuted.safetensors');
  const r = ok([
    'train',
    'mlp',
    '--permute-pixels',
    '7',
    '--activation',
    'tanh',
    '--limit',
    '2000',
    '--out',
    out,
    ...common,
  ]);
  const trained = Number(/final test accuracy ([\d.]+)%/.exec(r.stdout)![1]);
  const meta = readSafetensors(out).metadata;
  assert.equal(JSON.parse(meta.dataset).permutePixels, 7);
  assert.equal(JSON.parse(meta.training).activation, 'tanh');
  assert.deepEqual(
    JSON.parse(meta.model).layers.map((l: { type: string }) => l.type),
    ['dense', 'tanh', 'dense', 'tanh', 'dense'],
  );
  const evalRun = ok(['eval', out, '--json', '--threads', '2']);
  assert.equal((100 * JSON.parse(evalRun.stdout).accuracy).toFixed(2), trained.toFixed(2));
  assert.ok(trained > 70, `permuted mlp reached only ${trained}%`);
  const resume = runCli(['train', 'mlp', '--resume', out, '--activation', 'relu']);
  assert.equal(resume.status, 2);
  assert.match(resume.stderr, /Option --activation relu differs from the run in .*, which has tanh/);
});
