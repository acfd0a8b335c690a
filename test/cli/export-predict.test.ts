// `cnn export --onnx` and `cnn predict` as a user runs them, on a lenet5 trained here for one
// short epoch: the exported file runs in onnxruntime-node with cnn's probabilities, and MNIST
// digits written as PNG and JPEG files of other sizes, polarities and colours are classified
// as their labels, the same whatever the file looks like.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { runCli, tempDir } from './run-cli';
import { loadCheckpoint } from '../../src/train/training-checkpoint';
import {
  cnnProbabilities,
  maxAbsDifference,
  mnistDataset,
  ONNXRUNTIME_MISSING,
  onnxProbabilities,
  testImages,
} from '../export/onnx-compare';

const dir = tempDir('cnn-export-predict-');
const mnist = mnistDataset();
const checkpoint = path.join(dir, 'lenet5.safetensors');

before(() => {
  // 4,000 images, batch 16: about 3 s, and confident enough on clear digits.
  const r = runCli([
    'train',
    'lenet5',
    '--limit',
    '4000',
    '--epochs',
    '1',
    '--batch-size',
    '16',
    '--threads',
    '2',
    '--seed',
    '5',
    '--out',
    checkpoint,
  ]);
  assert.equal(r.status, 0, r.stderr);
});

test(
  'cnn export --onnx writes a model whose onnxruntime output matches cnn on 100 test images',
  { skip: ONNXRUNTIME_MISSING },
  async () => {
    const file = path.join(dir, 'lenet5.onnx');
    const r = runCli(['export', checkpoint, '--onnx', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /opset 13/);
    assert.match(r.stdout, /\(N, 1, 28, 28\)/);
    const ckpt = loadCheckpoint(checkpoint);
    const x = testImages(ckpt.plan, 100);
    const cnn = await cnnProbabilities(ckpt.plan, ckpt.params, x, 100);
    const onnx = await onnxProbabilities(new Uint8Array(fs.readFileSync(file)), ckpt.plan, x, 100);
    const diff = maxAbsDifference(cnn, onnx);
    console.log(`# trained lenet5: max abs difference ${diff.toExponential(2)} over 100 MNIST test images`);
    assert.ok(diff < 1e-4, `max abs difference ${diff}`);
  },
);

test('cnn export names what is wrong: a missing checkpoint, a missing --onnx, an unwritable file', () => {
  const missing = runCli(['export', path.join(dir, 'nope.safetensors'), '--onnx', path.join(dir, 'x.onnx')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.safetensors/);
  const noOnnx = runCli(['export', checkpoint]);
  assert.equal(noOnnx.status, 2);
  assert.match(noOnnx.stderr, /--onnx/);
  const unwritable = runCli(['export', checkpoint, '--onnx', path.join(dir, 'no-such-dir', 'x.onnx')]);
  assert.equal(unwritable.status, 1);
  assert.match(unwritable.stderr, /the directory .*no-such-dir does not exist/);
});

/** Ink coverage 0..1 of an MNIST digit, enlarged `scale` times (nearest) onto a canvas with margins. */
function canvas(
  digit: Uint8Array,
  scale: number,
  margin: [number, number],
): { width: number; height: number; ink: Float32Array } {
  const width = 28 * scale + 2 * margin[1];
  const height = 28 * scale + 2 * margin[0];
  const ink = new Float32Array(width * height);
  for (let y = 0; y < 28 * scale; y++) {
    for (let x = 0; x < 28 * scale; x++)
      ink[(y + margin[0]) * width + x + margin[1]] = digit[Math.floor(y / scale) * 28 + Math.floor(x / scale)] / 255;
  }
  return { width, height, ink };
}

/** RGBA pixels: `ink` colour over `paper` colour, alpha 255 unless `transparentPaper`. */
function paint(c: ReturnType<typeof canvas>, inkColour: number[], paper: number[], transparentPaper = false): Buffer {
  const rgba = Buffer.alloc(c.width * c.height * 4);
  for (let p = 0; p < c.width * c.height; p++) {
    const v = c.ink[p];
    for (let k = 0; k < 3; k++) rgba[p * 4 + k] = Math.round(paper[k] * (1 - v) + inkColour[k] * v);
    rgba[p * 4 + 3] = transparentPaper ? Math.round(255 * v) : 255;
    if (transparentPaper) for (let k = 0; k < 3; k++) rgba[p * 4 + k] = inkColour[k];
  }
  return rgba;
}

function writePng(file: string, width: number, height: number, rgba: Buffer, colorType: 0 | 2 | 6 = 6): string {
  const png = new PNG({ width, height });
  rgba.copy(png.data);
  fs.writeFileSync(file, PNG.sync.write(png, { colorType }));
  return file;
}

function writeJpeg(file: string, width: number, height: number, rgba: Buffer): string {
  fs.writeFileSync(file, jpeg.encode({ data: rgba, width, height }, 85).data);
  return file;
}

interface PredictJson {
  file: string;
  top: { class: number; name: string; probability: number }[];
  inverted: boolean;
  steps: string[];
}

function predict(files: string[], extra: string[] = []): PredictJson[] {
  const r = runCli(['predict', checkpoint, ...files, '--json', ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as PredictJson[];
}

test('cnn predict classifies digits as PNG and JPEG in any size, polarity and colour, the same way', () => {
  // The first test digits the network reads confidently as 28x28 white-on-black PNGs, one per label.
  const candidates = Array.from({ length: 30 }, (_, i) => i);
  const originals = candidates.map((i) => {
    const c = canvas(mnist.test.images.subarray(i * 784, (i + 1) * 784), 1, [0, 0]);
    return writePng(path.join(dir, `original-${i}.png`), c.width, c.height, paint(c, [255, 255, 255], [0, 0, 0]), 0);
  });
  const firstRead = predict(originals);
  const chosen = candidates.filter(
    (i, k) => firstRead[k].top[0].class === mnist.test.labels[i] && firstRead[k].top[0].probability > 0.9,
  );
  const byLabel = new Map<number, number>();
  for (const i of chosen) if (!byLabel.has(mnist.test.labels[i])) byLabel.set(mnist.test.labels[i], i);
  assert.ok(byLabel.size >= 5, `only ${byLabel.size} labels among the confidently read digits`);
  assert.ok(
    firstRead.every((p) => !p.inverted),
    'white on black is not inverted',
  );

  // Five variants of five digits, read in one run.
  const variants = [...byLabel].slice(0, 5).flatMap(([label, i]) => {
    const digit = mnist.test.images.subarray(i * 784, (i + 1) * 784);
    const big = canvas(digit, 5, [10, 40]); // 160x220, wider than tall
    const small = canvas(digit, 2, [4, 0]); // 64x56
    return [
      {
        label,
        inverted: true,
        file: writePng(
          path.join(dir, `${i}-black-on-white.png`),
          big.width,
          big.height,
          paint(big, [0, 0, 0], [255, 255, 255]),
          0,
        ),
      },
      {
        label,
        inverted: true,
        file: writePng(
          path.join(dir, `${i}-blue-on-yellow.png`),
          big.width,
          big.height,
          paint(big, [20, 40, 170], [245, 230, 140]),
          2,
        ),
      },
      {
        label,
        inverted: true,
        file: writePng(
          path.join(dir, `${i}-transparent.png`),
          small.width,
          small.height,
          paint(small, [30, 30, 30], [0, 0, 0], true),
        ),
      },
      {
        label,
        inverted: true,
        file: writeJpeg(
          path.join(dir, `${i}-pencil.jpg`),
          big.width,
          big.height,
          paint(big, [70, 70, 80], [235, 235, 225]),
        ),
      },
      // Light chalk on a dark board is already light on dark: not inverted.
      {
        label,
        inverted: false,
        file: writeJpeg(
          path.join(dir, `${i}-chalk.jpg`),
          small.width,
          small.height,
          paint(small, [230, 230, 220], [40, 60, 50]),
        ),
      },
    ];
  });
  const results = predict(variants.map((v) => v.file));
  results.forEach((r, k) => {
    const { label, inverted } = variants[k];
    assert.equal(
      r.top[0].class,
      label,
      `${path.basename(r.file)}: predicted ${r.top[0].class} (${r.top[0].probability.toFixed(3)}), label ${label}`,
    );
    assert.equal(r.top.length, 3, 'top 3 by default');
    assert.equal(r.inverted, inverted, `${path.basename(r.file)}: inverted`);
  });
});

test('cnn predict prints a table with --top and names unreadable files', () => {
  const c = canvas(mnist.test.images.subarray(0, 784), 3, [6, 6]);
  const png = writePng(path.join(dir, 'table.png'), c.width, c.height, paint(c, [0, 0, 0], [255, 255, 255]));
  const table = runCli(['predict', checkpoint, png, '--top', '2']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /table\.png/);
  assert.equal(table.stdout.split('\n').filter((l) => /^\s+\d\s+\d+\.\d\d%$/.test(l)).length, 2, table.stdout);

  const text = path.join(dir, 'notes.txt');
  fs.writeFileSync(text, 'not an image\n');
  const notImage = runCli(['predict', checkpoint, png, text]);
  assert.equal(notImage.status, 1);
  assert.match(notImage.stderr, /notes\.txt is not an image cnn reads/);

  const truncated = path.join(dir, 'truncated.png');
  fs.writeFileSync(truncated, fs.readFileSync(png).subarray(0, 60));
  const broken = runCli(['predict', checkpoint, truncated]);
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /truncated\.png: cannot decode it as a PNG image/);

  const missing = runCli(['predict', checkpoint, path.join(dir, 'absent.jpg')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /absent\.jpg: no such file/);
});
