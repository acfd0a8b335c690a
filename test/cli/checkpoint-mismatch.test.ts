// A checkpoint of another model, or of another input shape, given to `cnn eval` and to
// `cnn train --resume`: each fails with a message naming the file and what does not match,
// never a crash or a silently wrong run. The mismatched checkpoints are made the way they
// happen: real runs of two variants of one model, one's weights saved under the other's
// description (with a valid checksum), and a model file edited between run and resume.
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './run-cli';
import { writeTinyDataset, writeTinyModel } from './tiny-dataset';
import { readSafetensors, writeSafetensors } from '../../src/model/checkpoint';
import { loadCheckpoint } from '../../src/train/training-checkpoint';

let dir = '';
let data: string[] = [];
/** disk-net with 16 filters on 28x28 inputs, trained one epoch. */
let wide = '';
let wideModel = '';

before(() => {
  dir = tempDir('cnn-mismatch-');
  writeTinyDataset(dir, { train: 32, test: 10 });
  data = ['--data', dir, '--batch-size', '16', '--threads', '2'];
  wideModel = writeTinyModel(dir, 'disk-net', 16);
  wide = path.join(dir, 'wide.safetensors');
  const r = runCli(['train', wideModel, ...data, '--epochs', '1', '--out', wide]);
  assert.equal(r.status, 0, r.stderr);
});

/** Trains disk-net in its own directory (`filters`, extra options) and returns the checkpoint. */
function trainVariant(name: string, filters: number, extra: string[] = []): string {
  const sub = path.join(dir, name);
  fs.mkdirSync(sub, { recursive: true });
  const model = writeTinyModel(sub, 'disk-net', filters);
  const out = path.join(sub, 'run.safetensors');
  const r = runCli(['train', model, ...data, '--epochs', '1', '--out', out, ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** `weightsOf`'s tensors saved under `describedBy`'s metadata: a valid file whose weights belong elsewhere. */
function graft(weightsOf: string, describedBy: string, name: string): string {
  const { tensors } = readSafetensors(weightsOf);
  const { metadata } = readSafetensors(describedBy);
  const { checksum: _c, format: _f, ...rest } = metadata;
  const file = path.join(dir, name);
  writeSafetensors(
    file,
    [...tensors].map(([n, t]) => ({ name: n, shape: t.shape, data: t.data })),
    rest,
  );
  return file;
}

function expectFailure(args: string[], status: number, patterns: RegExp[]): void {
  const r = runCli(args);
  assert.equal(r.status, status, `status ${r.status}\n${r.stderr}`);
  for (const p of patterns) assert.match(r.stderr, p);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test("eval and --resume of a checkpoint holding another model's weights fail with the tensor and both shapes", () => {
  const narrow = trainVariant('narrow', 8);
  const file = graft(narrow, wide, 'narrow-weights-wide-model.safetensors');
  const named = new RegExp(escape(file));
  const shapes = /tensor "conv1\.weight" has shape \[8, 1, 3, 3\] but model disk-net needs \[16, 1, 3, 3\]/;
  expectFailure(['eval', file], 1, [named, shapes]);
  expectFailure(['train', wideModel, '--resume', file, '--epochs', '2'], 1, [/Cannot resume/, named, shapes]);
});

test('eval and --resume of a checkpoint for another input shape fail with the tensor and both shapes', () => {
  // The same model planned for 32x32 inputs has a larger dense layer.
  const big = trainVariant('input-32', 16, ['--input', '1,32,32']);
  const file = graft(wide, big, 'input-28-weights-input-32-model.safetensors');
  const named = new RegExp(escape(file));
  const shapes = /tensor "fc1\.weight" has shape \[10, 3136\] but model disk-net needs \[10, 4096\]/;
  expectFailure(['eval', file], 1, [named, shapes]);
  expectFailure(['train', wideModel, '--resume', file, '--epochs', '2'], 1, [/Cannot resume/, named, shapes]);
});

test("eval on a dataset whose images are larger than the checkpoint's input fails and says why", () => {
  // A minimal CIFAR-10 directory: six batch files of four 3x32x32 records.
  const cifar = path.join(dir, 'cifar');
  fs.mkdirSync(cifar, { recursive: true });
  for (const f of [
    'data_batch_1.bin',
    'data_batch_2.bin',
    'data_batch_3.bin',
    'data_batch_4.bin',
    'data_batch_5.bin',
    'test_batch.bin',
  ]) {
    const bytes = Buffer.alloc(4 * 3073);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251; // pixels that vary (constant ones are refused)
    for (let r = 0; r < 4; r++) bytes[r * 3073] = r;
    fs.writeFileSync(path.join(cifar, f), bytes);
  }
  expectFailure(['eval', wide, '--dataset', 'cifar10', '--data', cifar], 1, [
    /was trained on 1x28x28 images, but the cifar10 test images in .* are 3x32x32/,
  ]);
});

test("--resume with a model file that has the checkpoint's name but other layers fails and names the layer", () => {
  const edited = path.join(dir, 'edited');
  fs.mkdirSync(edited, { recursive: true });
  const model = writeTinyModel(edited, 'disk-net', 8);
  const before = fs.readFileSync(wide);
  expectFailure(['train', model, '--resume', wide, '--epochs', '2'], 1, [
    /Cannot resume/,
    new RegExp(`${escape(wide)} holds model disk-net with other layers than ${escape(model)}`),
    /layer 1 is conv1 \(conv2d\) .*"filters":16.* in the checkpoint but conv1 \(conv2d\) .*"filters":8/,
  ]);
  assert.ok(fs.readFileSync(wide).equals(before), 'the checkpoint is untouched');
});

test('--resume with another --input is refused as a usage error naming the option', () => {
  expectFailure(['train', wideModel, '--resume', wide, '--input', '1,32,32'], 2, [
    /--input 1,32,32 differs from the run in .*, which has 1,28,28/,
  ]);
});

test('a checkpoint whose stored model is far larger than its tensors is refused before allocating the model', () => {
  // 784 x 1,000,000 dense weights (3 GB of floats, within the size limits) described over a few bytes of data.
  const model = {
    name: 'huge',
    input: [1, 28, 28],
    classes: 10,
    layers: [
      { type: 'dense', units: 1000000 },
      { type: 'dense', units: 10 },
    ],
  };
  const file = path.join(dir, 'huge-model.safetensors');
  writeSafetensors(file, [{ name: 'fc1.weight', shape: [2], data: new Float32Array(2) }], {
    model: JSON.stringify(model),
    dataset: JSON.stringify({ name: 'mnist', mean: [0], std: [1], classNames: [] }),
  });
  const started = Date.now();
  assert.throws(
    () => loadCheckpoint(file),
    (e: unknown) => {
      assert.ok(e instanceof Error && !(e instanceof RangeError), String(e));
      assert.match(
        e.message,
        new RegExp(
          `${escape(file)}: model huge stored in the checkpoint has \\d+ parameters but the file holds only 2 values`,
        ),
      );
      return true;
    },
  );
  assert.ok(Date.now() - started < 1000);
  expectFailure(['eval', file], 1, [/has \d+ parameters but the file holds only 2 values/]);
});

test('a checkpoint whose "dataset" metadata is damaged is refused at load, naming the file and the field', () => {
  const model = { name: 'tiny-dense', input: [1, 2, 2], classes: 2, layers: [{ type: 'dense', units: 2 }] };
  const tensors = [
    { name: 'fc1.weight', shape: [2, 4], data: new Float32Array(8) },
    { name: 'fc1.bias', shape: [2], data: new Float32Array(2) },
  ];
  const cases: [unknown, RegExp][] = [
    [null, /"dataset" metadata is not an object/],
    [{ name: 'mnist', mean: [0], std: [0], classNames: [] }, /"std" value 0 that is not a positive finite number/],
    [{ name: 'mnist', mean: [0, 1], std: [1], classNames: [] }, /"mean" and "std" of different lengths/],
    [{ name: 'mnist', mean: [0], std: [1] }, /no "classNames" list/],
  ];
  for (const [i, [dataset, message]] of cases.entries()) {
    const file = path.join(dir, `bad-dataset-${i}.safetensors`);
    writeSafetensors(file, tensors, { model: JSON.stringify(model), dataset: JSON.stringify(dataset) });
    assert.throws(
      () => loadCheckpoint(file),
      (e: unknown) => {
        assert.ok(e instanceof Error && !(e instanceof TypeError), String(e));
        assert.match(e.message, new RegExp(`^${escape(file)}: `));
        assert.match(e.message, message);
        return true;
      },
    );
  }
  expectFailure(['eval', path.join(dir, 'bad-dataset-0.safetensors')], 1, [/"dataset" metadata is not an object/]);
});
