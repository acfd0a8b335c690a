// One error format for every command: "cnn: error: ..." naming what is at fault, exit 2 for a
// usage error (a bad option value, a missing subcommand), 1 for a failure while running, file
// system errors in words (never "ENOENT"), control characters never printed raw. And
// --labels: the head has one output per listed label, and eval keys its confusion matrix by
// the original labels.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './run-cli';
import { writeTinyDataset, writeTinyModel } from './tiny-dataset';

function setUp(): { dir: string; model: string; common: string[] } {
  const dir = tempDir('cnn-errors-');
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  writeTinyDataset(data, { train: 40, test: 20 });
  const model = writeTinyModel(dir, 'tiny', 2);
  return { dir, model, common: ['--data', data, '--epochs', '1', '--batch-size', '8', '--threads', '1'] };
}

function assertError(r: ReturnType<typeof runCli>, status: number, message: RegExp): void {
  assert.equal(r.status, status, `status ${r.status}\n${r.stderr}`);
  assert.match(r.stderr, /^cnn: error: /m);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.stderr, /\b(ENOENT|EISDIR|EACCES|ENOTDIR)\b/, 'no raw errno code');
}

test('bad option values are usage errors (exit 2): a --layer that is not a conv layer, an --input the model cannot take', () => {
  const { dir, model, common } = setUp();
  const ckpt = path.join(dir, 'a.safetensors');
  assert.equal(runCli(['train', model, ...common, '--out', ckpt]).status, 0);
  assertError(
    runCli(['viz', 'filters', ckpt, '--layer', 'fc1', '--out', path.join(dir, 'f.png')]),
    2,
    /layer "fc1" of model tiny is a dense layer, not a conv layer/,
  );
  assertError(runCli(['summary', 'lenet5', '--input', '1,4,4']), 2, /--input 1,4,4: model lenet5: .*leaves no output/);
  // A model that fails on its own is the file's fault: exit 1.
  const broken = path.join(dir, 'broken.json');
  fs.writeFileSync(
    broken,
    JSON.stringify({
      name: 'broken',
      input: [1, 4, 4],
      classes: 10,
      layers: [{ type: 'conv2d', filters: 2, kernel: 5 }],
    }),
  );
  assertError(runCli(['summary', broken, '--input', '1,4,4']), 1, /broken/);
});

test('a command without its subcommand, and an unknown command, exit 2 in the same format', () => {
  const viz = runCli(['viz']);
  assertError(viz, 2, /give one of the commands listed above/);
  assert.match(viz.stderr, /filters/);
  assertError(runCli(['no-such-command']), 2, /cnn: error: unknown command 'no-such-command'/);
  assertError(runCli(['train', 'lenet5', '--lr', 'x']), 2, /cnn: error: option '--lr <x>' argument 'x' is invalid/);
});

test('file system errors are in words with the path', () => {
  const { dir } = setUp();
  assertError(
    runCli(['plot', path.join(dir, 'none.jsonl'), '--out', path.join(dir, 'p.png')]),
    1,
    /cannot read .*none\.jsonl: no such file or directory/,
  );
  assertError(runCli(['plot', dir, '--out', path.join(dir, 'p.png')]), 1, /cannot read .*: it is a directory/);
  assertError(runCli(['train', `${dir}/`]), 1, /Cannot read model file .*: it is a directory/);
  assertError(runCli(['predict', path.join(dir, 'none.safetensors'), 'x.png']), 1, /none\.safetensors/);
});

test('control characters in names are never printed raw', () => {
  const { dir } = setUp();
  const r = runCli(['train', path.join(dir, 'a\u001b[2Jb.json')]);
  assertError(r, 1, /a\\x1b\[2Jb\.json/);
  assert.doesNotMatch(r.stderr, /\u001b/);
  const named = path.join(dir, 'named.json');
  fs.writeFileSync(
    named,
    JSON.stringify({ name: 'x\u001b[31my', input: [1, 28, 28], classes: 10, layers: [{ type: 'dense', units: 10 }] }),
  );
  const s = runCli(['summary', named]);
  assertError(s, 1, /"name" must not contain control characters/);
  assert.doesNotMatch(s.stderr + s.stdout, /\u001b/);
});

test('--labels 5-9 without --classes trains a 5-class head, and eval shows the original labels on both axes', () => {
  const { dir, model, common } = setUp();
  const ckpt = path.join(dir, 'five.safetensors');
  const r = runCli(['train', model, ...common, '--labels', '5-9', '--out', ckpt]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /model tiny: .*, 5 classes/);
  const e = runCli(['eval', ckpt, '--threads', '1']);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /^true +acc \| +5 +6 +7 +8 +9$/m, 'columns keyed by the original labels');
  for (const label of [5, 6, 7, 8, 9]) assert.match(e.stdout, new RegExp(`^${label} +[0-9.]+% \\|`, 'm'));
  const json = JSON.parse(runCli(['eval', ckpt, '--threads', '1', '--json']).stdout);
  assert.deepEqual(json.labels, [5, 6, 7, 8, 9]);
  assert.equal(json.confusion.length, 5);
  // --classes still says otherwise when given.
  const ten = runCli([
    'train',
    model,
    ...common,
    '--labels',
    '5-9',
    '--classes',
    '10',
    '--out',
    path.join(dir, 'ten.safetensors'),
  ]);
  assert.equal(ten.status, 0, ten.stderr);
  assert.match(ten.stdout, /, 10 classes/);
});
