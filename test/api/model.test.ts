// The library as a Node program uses it: cnn.train() on a small MNIST cut (epoch events, the
// same metrics as --metrics), then cnn.loadModel() and model.predict() on real digits given
// as a file path, a Buffer of PNG bytes and raw pixels, checked against `cnn predict --json`.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as cnn from '../../src/index';
import { runCli, tempDir } from '../cli/run-cli';
import { smallMnist } from '../cli/small-mnist';
import { mnistDataset } from '../export/onnx-compare';

const dir = tempDir('cnn-api-model-');
const checkpoint = path.join(dir, 'lenet5.safetensors');
const metricsFile = path.join(dir, 'metrics.jsonl');
const events: cnn.EpochMetrics[] = [];
const logLines: string[] = [];
let result: cnn.TrainResult;
let model: cnn.Model;

/** MNIST test digit i as raw grey pixels, and its label. */
function digit(i: number): { raw: cnn.RawImage; label: number } {
  const { test: set } = mnistDataset();
  return {
    raw: { data: set.images.slice(i * 784, (i + 1) * 784), width: 28, height: 28, channels: 1 },
    label: set.labels[i],
  };
}

function pngOf(raw: cnn.RawImage): Buffer {
  const png = new PNG({ width: raw.width, height: raw.height });
  for (let p = 0; p < raw.width * raw.height; p++) {
    png.data.fill(raw.data[p], p * 4, p * 4 + 3);
    png.data[p * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

before(async () => {
  // 2,000 real digits, two epochs, batch 16: a few seconds, and confident on clear digits.
  const data = smallMnist(2000, 500, 'cnn-api-mnist-');
  const run = cnn.train({
    model: 'lenet5',
    data,
    epochs: 2,
    batchSize: 16,
    threads: 2,
    seed: 5,
    out: checkpoint,
    metrics: metricsFile,
  });
  run.on('epoch', (m) => events.push(m));
  run.on('log', (line) => logLines.push(line));
  result = await run.done;
  model = await cnn.loadModel(checkpoint, { threads: 2 });
});

test('train() resolves with the run and emits one epoch event per epoch, the objects --metrics writes', () => {
  assert.equal(result.status, 'done');
  assert.equal(result.out, checkpoint);
  assert.equal(events.length, 2);
  const written = fs
    .readFileSync(metricsFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as cnn.EpochMetrics);
  assert.deepEqual(events, written);
  assert.deepEqual(result.epochs, events);
  assert.ok(events[1].testAccuracy > 0.8, `test accuracy ${events[1].testAccuracy}`);
  assert.ok(
    logLines.some((l) => l.startsWith('final test accuracy')),
    logLines.join('\n'),
  );
});

test('a loaded model describes itself', () => {
  assert.equal(model.name, 'lenet5');
  assert.equal(model.dataset, 'mnist');
  assert.equal(model.file, checkpoint);
  assert.deepEqual(model.inputShape, [1, 28, 28]);
  assert.deepEqual(model.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
});

test('predict() classifies real digits, the same whether given as a path, a Buffer or raw pixels', async () => {
  let correct = 0;
  for (let i = 0; i < 20; i++) {
    const { raw, label } = digit(i);
    const file = path.join(dir, `digit-${i}.png`);
    fs.writeFileSync(file, pngOf(raw));
    const fromRaw = await model.predict(raw, { top: 3 });
    assert.deepEqual(await model.predict(file, { top: 3 }), fromRaw);
    assert.deepEqual(await model.predict(fs.readFileSync(file), { top: 3 }), fromRaw);
    assert.equal(fromRaw.length, 3);
    assert.ok(fromRaw[0].probability >= fromRaw[1].probability && fromRaw[1].probability >= fromRaw[2].probability);
    assert.equal(fromRaw[0].label, String(fromRaw[0].index));
    if (fromRaw[0].index === label) correct++;
  }
  assert.ok(correct >= 17, `${correct} of 20 digits classified as their label`);
});

test('predict() of an array answers per image in order, and agrees with cnn predict --json', async () => {
  const files = [0, 1, 2].map((i) => path.join(dir, `digit-${i}.png`));
  const many = await model.predict(files);
  assert.equal(many.length, 3);
  for (const [i, file] of files.entries()) assert.deepEqual(many[i], await model.predict(file));
  const cli = runCli(['predict', checkpoint, ...files, '--json', '--threads', '2']);
  assert.equal(cli.status, 0, cli.stderr);
  const printed = JSON.parse(cli.stdout) as {
    file: string;
    top: { class: number; name: string; probability: number }[];
  }[];
  assert.deepEqual(
    printed.map((p) => p.top.map((t) => ({ label: t.name, index: t.class, probability: t.probability }))),
    many,
  );
});

test('concurrent predict() calls are queued, not refused', async () => {
  const inputs = [0, 1, 2, 3].map((i) => digit(i).raw);
  const together = await Promise.all(inputs.map((raw) => model.predict(raw)));
  for (const [i, raw] of inputs.entries()) assert.deepEqual(together[i], await model.predict(raw));
});

test('predict() refuses wrong inputs and options, naming them', async () => {
  await assert.rejects(model.predict(42 as unknown as string), {
    name: 'TypeError',
    message: /image 1 must be a file path, a Buffer/,
  });
  await assert.rejects(model.predict({ data: new Uint8Array(10), width: 28, height: 28, channels: 1 }), {
    name: 'TypeError',
    message: /raw pixels\): data holds 10 bytes but 28x28x1 needs 784/,
  });
  await assert.rejects(model.predict(digit(0).raw, { top: 0 }), {
    name: 'RangeError',
    message: /option "top" is invalid \(0\)/,
  });
  await assert.rejects(model.predict(digit(0).raw, { tpo: 3 } as cnn.PredictOptions), {
    name: 'TypeError',
    message: /unknown option "tpo"/,
  });
  await assert.rejects(model.predict(path.join(dir, 'absent.png')), /cannot read image .*absent\.png: no such file/);
  await assert.rejects(
    model.predict(Buffer.from('not an image')),
    /image 1 \(encoded bytes\) is not an image cnn reads/,
  );
});

test('loadModel() rejects a missing or foreign file, naming it; close() ends the model', async () => {
  await assert.rejects(cnn.loadModel(path.join(dir, 'absent.safetensors')), /absent\.safetensors/);
  const text = path.join(dir, 'text.safetensors');
  fs.writeFileSync(text, 'hello');
  await assert.rejects(cnn.loadModel(text), /text\.safetensors/);
  await assert.rejects(cnn.loadModel(checkpoint, { threads: -1 }), { name: 'RangeError', message: /option "threads"/ });
  const second = await cnn.loadModel(checkpoint, { threads: 1 });
  assert.equal((await second.predict(digit(0).raw)).length, 3);
  second.close();
  await assert.rejects(second.predict(digit(0).raw), /the model is closed/);
});
