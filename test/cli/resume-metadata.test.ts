// A checkpoint's metadata is input: settings edited by hand (with the checksum made valid
// again) are refused by eval and --resume with the command line's own rules, an edit that
// leaves the checksum alone is caught by it, and --resume checks the data and the options
// against the run: the same command resumes, a changed value or changed data is refused, a
// finished run says so. Datasets that cannot train are refused when they are loaded.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './run-cli';
import { writeTinyDataset, writeTinyModel } from './tiny-dataset';
import { readSafetensors, writeSafetensors } from '../../src/model/checkpoint';

let dir = '';
let data = '';
let model = '';
/** One epoch of the tiny model: --epochs 1 --seed 7 --batch-size 16. */
let trained = '';
const run = (extra: string[]) => [
  'train',
  model,
  '--data',
  data,
  '--seed',
  '7',
  '--batch-size',
  '16',
  '--threads',
  '1',
  ...extra,
];

before(() => {
  dir = tempDir('cnn-resume-metadata-');
  data = path.join(dir, 'data');
  fs.mkdirSync(data);
  writeTinyDataset(data, { train: 64, test: 20 });
  model = writeTinyModel(dir, 'tiny', 4);
  trained = path.join(dir, 'trained.safetensors');
  const r = runCli(run(['--epochs', '1', '--out', trained]));
  assert.equal(r.status, 0, r.stderr);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A copy of the trained checkpoint with one metadata field changed, its checksum valid. */
function edited(key: string, field: string, value: unknown): string {
  const { tensors, metadata } = readSafetensors(trained);
  const { checksum: _c, format: _f, ...rest } = metadata;
  rest[key] = JSON.stringify({ ...JSON.parse(rest[key]), [field]: value });
  const file = path.join(dir, `${key}-${field}-${String(value)}.safetensors`);
  writeSafetensors(
    file,
    [...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })),
    rest,
  );
  return file;
}

function expectRefused(args: string[], status: number, pattern: RegExp): void {
  const r = runCli(args);
  assert.equal(r.status, status, `${args.join(' ')}: status ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('settings, position and dataset metadata that the command line would refuse are refused by eval and --resume', () => {
  const cases: Array<[string, string, unknown, RegExp]> = [
    [
      'training',
      'lr',
      -1,
      /"training" metadata has "lr": -1, which is not valid: The learning rate must be greater than 0/,
    ],
    [
      'training',
      'batchSize',
      0,
      /"training" metadata has "batchSize": 0, which is not valid: It must be a whole number of at least 1/,
    ],
    ['training', 'momentum', 1.5, /"momentum": 1\.5, which is not valid: Momentum must be at least 0 and below 1/],
    [
      'position',
      'epoch',
      1e12,
      /"position" metadata has "epoch": 1000000000000, which is not valid: it must be a whole number from 0 to the run's 1 epochs/,
    ],
    ['position', 'stepInEpoch', -5, /"position" metadata has "stepInEpoch": -5, which is not valid/],
    [
      'dataset',
      'permutePixels',
      -1,
      /"dataset" metadata has a "permutePixels" seed -1: It must be a whole number, 0 or more/,
    ],
  ];
  for (const [key, field, value, pattern] of cases) {
    const file = edited(key, field, value);
    expectRefused(['eval', file, '--data', data], 1, pattern);
    expectRefused(run(['--epochs', '2', '--resume', file]), 1, pattern);
  }
});

test('metadata edited without fixing the checksum is caught by the checksum', () => {
  const bytes = fs.readFileSync(trained);
  const n = Number(bytes.readBigUInt64LE(0));
  const text = bytes
    .subarray(8, 8 + n)
    .toString('utf8')
    .replace('\\"lr\\":0.05', '\\"lr\\":0.07');
  assert.notEqual(text, bytes.subarray(8, 8 + n).toString('utf8'), 'the stored lr is 0.05');
  const file = path.join(dir, 'tampered.safetensors');
  fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, 8), Buffer.from(text, 'utf8'), bytes.subarray(8 + n)]));
  expectRefused(
    ['eval', file, '--data', data],
    1,
    /checksum mismatch: the file is corrupt or was modified \(its weights or its metadata\)/,
  );
});

test('the same command plus --resume works; a different value is refused; a larger --epochs is accepted; a finished run says so', () => {
  const out = path.join(dir, 'same.safetensors');
  fs.copyFileSync(trained, out);
  // A different value of a stored option: refused, naming both values.
  expectRefused(
    run(['--epochs', '2', '--out', out, '--resume', out, '--seed', '8']),
    2,
    /Option --seed 8 differs from the run in .*same\.safetensors, which has 7/,
  );
  expectRefused(
    run(['--epochs', '2', '--out', out, '--resume', out, '--augment', 'shift=2']),
    2,
    /Option --augment shift=2 differs .* which has none/,
  );
  // The command line it was started with (seed, batch size, data given again), with more epochs: resumes.
  const resumed = runCli(run(['--epochs', '2', '--out', out, '--resume', out]));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming from .* at epoch 2, step 0/);
  assert.match(resumed.stdout, /final test accuracy .* after 2 epochs/);
  // The same again: the run is complete; exit 0 so that a retry loop ends, and how to extend it.
  const again = runCli(run(['--epochs', '2', '--out', out, '--resume', out]));
  assert.equal(again.status, 0, again.stderr);
  assert.match(
    again.stdout,
    /the run is complete \(2 of 2 epochs trained\); nothing to do\. To train further, resume with a larger --epochs, e\.g\. .* --epochs 4/,
  );
  expectRefused(
    run(['--epochs', '1', '--resume', out]),
    2,
    /--epochs 1 is fewer than the 2 epochs .* has already trained/,
  );
});

test('--resume on training data that changed since the checkpoint is refused', () => {
  const other = path.join(dir, 'other-data');
  fs.mkdirSync(other);
  writeTinyDataset(other, { train: 48, test: 20 });
  expectRefused(
    ['train', model, '--data', other, '--epochs', '2', '--resume', trained],
    1,
    /Cannot resume: the training data differ from the run in .*trained\.safetensors: it trained on 64 images of 1x28x28 \(sha256 [0-9a-f]{12}\.\.\.\), the data now are 48 images/,
  );
});

/** A dataset directory like the tiny one, with `edit` applied to its files' bytes. */
function brokenData(name: string, train: number, edit: (files: Record<string, Buffer>) => void): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  writeTinyDataset(d, { train, test: 20 });
  const files = Object.fromEntries(fs.readdirSync(d).map((f) => [f, fs.readFileSync(path.join(d, f))]));
  edit(files);
  for (const [f, bytes] of Object.entries(files)) fs.writeFileSync(path.join(d, f), bytes);
  return d;
}

test('training data that cannot train (no images, constant images, test images of another size) is refused at load time', () => {
  const train = (d: string) => [
    'train',
    model,
    '--data',
    d,
    '--epochs',
    '1',
    '--out',
    path.join(dir, 'never.safetensors'),
  ];
  expectRefused(train(brokenData('empty', 0, () => {})), 1, /the training set has no images/);
  const constant = brokenData('constant', 32, (f) => f['train-images-idx3-ubyte'].fill(7, 16));
  expectRefused(
    train(constant),
    1,
    /channel 0 of the training images has the same value in every pixel of every image \(standard deviation 0\)/,
  );
  const smaller = brokenData('smaller-test', 32, (f) => {
    const header = Buffer.alloc(16);
    header[2] = 0x08;
    header[3] = 3;
    header.writeUInt32BE(20, 4);
    header.writeUInt32BE(20, 8);
    header.writeUInt32BE(20, 12);
    f['t10k-images-idx3-ubyte'] = Buffer.concat([header, Buffer.alloc(20 * 400, 9)]);
  });
  expectRefused(train(smaller), 1, /the test images are 1x20x20 but the training images 1x28x28/);
  // eval of a checkpoint on images of another size than it was trained on: refused, not padded.
  const small = brokenData('small-images', 32, (f) => {
    for (const [name, count] of [
      ['train-images-idx3-ubyte', 32],
      ['t10k-images-idx3-ubyte', 20],
    ] as const) {
      const header = Buffer.alloc(16);
      header[2] = 0x08;
      header[3] = 3;
      header.writeUInt32BE(count, 4);
      header.writeUInt32BE(20, 8);
      header.writeUInt32BE(20, 12);
      f[name] = Buffer.concat([header, Buffer.from(Array.from({ length: count * 400 }, (_, i) => (i * 7) % 251))]);
    }
  });
  expectRefused(
    ['eval', trained, '--data', small],
    1,
    /trained\.safetensors was trained on 1x28x28 images, but the mnist test images in .* are 1x20x20/,
  );
  assert.ok(!fs.existsSync(path.join(dir, 'never.safetensors')), 'no checkpoint is written');
});
