// cnn never writes onto the wrong thing: outputs are checked before any work starts (train,
// export), never replace an input or another output, never replace a device or a read-only
// file, and a model's name never steers its default checkpoint out of the working directory.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './run-cli';
import { writeTinyDataset, writeTinyModel } from './tiny-dataset';

/** A 32-image dataset and a tiny model: a run is a fraction of a second. */
function setUp(): { dir: string; model: string; common: string[] } {
  const dir = tempDir('cnn-write-safety-');
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  writeTinyDataset(data, { train: 32, test: 8 });
  const model = writeTinyModel(dir, 'tiny', 2);
  return { dir, model, common: ['--data', data, '--epochs', '1', '--batch-size', '16', '--threads', '1'] };
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (fs.lstatSync(file).isFile()) out[name] = fs.readFileSync(file).toString('base64');
  }
  return out;
}

function assertRefusedBeforeTraining(r: ReturnType<typeof runCli>, status: number, message: RegExp): void {
  assert.equal(r.status, status, r.stderr);
  assert.match(r.stderr, message);
  assert.match(r.stderr, /^cnn: error: /);
  assert.doesNotMatch(r.stdout, /^epoch /m, 'no training happened');
}

test('export onto its own checkpoint is refused and the checkpoint is unchanged', () => {
  const { dir, model, common } = setUp();
  const ckpt = path.join(dir, 'a.safetensors');
  assert.equal(runCli(['train', model, ...common, '--out', ckpt]).status, 0);
  const before = fs.readFileSync(ckpt);
  const r = runCli(['export', ckpt, '--onnx', ckpt]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--onnx .*a\.safetensors is the same file as CHECKPOINT/);
  assert.ok(fs.readFileSync(ckpt).equals(before));
});

test('--out onto a dataset file, and --metrics equal to --out, are refused before training; the files are untouched', () => {
  const { dir, model, common } = setUp();
  const data = path.join(dir, 'data');
  const before = snapshot(data);
  assertRefusedBeforeTraining(
    runCli(['train', model, ...common, '--out', path.join(data, 'train-images-idx3-ubyte')]),
    2,
    /--out .*train-images-idx3-ubyte is the same file as --data/,
  );
  // The same file spelt another way, through a hard link.
  fs.linkSync(path.join(data, 't10k-labels-idx1-ubyte'), path.join(dir, 'labels-link'));
  assertRefusedBeforeTraining(
    runCli(['train', model, ...common, '--out', path.join(dir, 'labels-link')]),
    2,
    /is the same file as --data/,
  );
  assert.deepEqual(snapshot(data), before);

  const x = path.join(dir, 'x');
  assertRefusedBeforeTraining(
    runCli(['train', model, ...common, '--out', x, '--metrics', x]),
    2,
    /--out .*x and --metrics .*x are the same file/,
  );
  assert.equal(fs.existsSync(x), false);
  // The model file is an input too.
  assertRefusedBeforeTraining(
    runCli(['train', model, ...common, '--metrics', model]),
    2,
    /--metrics .*tiny\.json is the same file as MODEL/,
  );
});

test('--metrics a directory or in a missing directory, and --out "", are refused before training', () => {
  const { dir, model, common } = setUp();
  const out = path.join(dir, 'run.safetensors');
  assertRefusedBeforeTraining(
    runCli(['train', model, ...common, '--out', out, '--metrics', `${dir}/`]),
    1,
    /--metrics: .* is a directory/,
  );
  assertRefusedBeforeTraining(
    runCli(['train', model, ...common, '--out', out, '--metrics', path.join(dir, 'nope', 'm.jsonl')]),
    1,
    /--metrics: cannot write .*: the directory .*nope does not exist/,
  );
  assertRefusedBeforeTraining(runCli(['train', model, ...common, '--out', '']), 2, /--out "": the file name is empty/);
  assert.equal(fs.existsSync(out), false);
});

test('a read-only --out is refused, unchanged and still read-only', () => {
  const { dir, model, common } = setUp();
  const out = path.join(dir, 'ro.safetensors');
  fs.writeFileSync(out, 'keep me');
  fs.chmodSync(out, 0o444);
  assertRefusedBeforeTraining(
    runCli(['train', model, ...common, '--out', out]),
    1,
    /ro\.safetensors is read-only \(mode 444\)/,
  );
  assert.equal(fs.readFileSync(out, 'utf8'), 'keep me');
  assert.equal(fs.statSync(out).mode & 0o777, 0o444);
});

const isRoot = process.getuid?.() === 0;

test(
  '--out onto a character device is refused before training and the device stays a device',
  { skip: isRoot ? false : 'mknod needs root' },
  () => {
    const { dir, model, common } = setUp();
    const device = path.join(dir, 'fakenull');
    const made = spawnSync('mknod', [device, 'c', '1', '3'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    assertRefusedBeforeTraining(
      runCli(['train', model, ...common, '--limit', '16', '--out', device]),
      1,
      /fakenull is a character device, not a regular file/,
    );
    assert.ok(fs.lstatSync(device).isCharacterDevice(), 'still a character device');
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.includes('.tmp-')),
      [],
    );
  },
);

test('a model named "../escaped" or "/abs/x" writes its default checkpoint in the working directory', () => {
  const { dir, common } = setUp();
  const work = path.join(dir, 'work');
  fs.mkdirSync(work);
  for (const [name, expected] of [
    ['../escaped', 'escaped.safetensors'],
    ['/abs/x', 'abs_x.safetensors'],
  ]) {
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'tiny.json'), 'utf8'));
    const file = path.join(dir, `m${expected}.json`);
    fs.writeFileSync(file, JSON.stringify({ ...spec, name }));
    const r = runCli(['train', file, ...common], { cwd: work });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(work, expected)), `${expected} in the working directory`);
  }
  assert.equal(
    fs.existsSync(path.join(dir, 'escaped.safetensors')),
    false,
    'nothing written outside the working directory',
  );
  assert.equal(fs.existsSync('/abs/x.safetensors'), false);
});
