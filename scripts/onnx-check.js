#!/usr/bin/env node
// Checks an exported ONNX model against the checkpoint it came from, without Python: the
// first N test images of the checkpoint's dataset, normalised as in training, go through
// cnn's own network and through onnxruntime-node (`npm run setup:onnx` installs it); prints the largest
// absolute difference between the two sets of probabilities and how often their top
// classes agree. Nothing here is a test: it only measures and prints.
//
//   node scripts/onnx-check.js CHECKPOINT MODEL.onnx [--images N] [--data DIR]
'use strict';
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist', 'src');
const ort = requireOnnxRuntime();
const { loadCheckpoint } = require(path.join(dist, 'train', 'training-checkpoint'));
const { loadDataset, limitSet } = require(path.join(dist, 'data', 'dataset'));
const { Batcher } = require(path.join(dist, 'data', 'batcher'));
const { createRuntime } = require(path.join(dist, 'train', 'runtime'));

function requireOnnxRuntime() {
  try {
    return require('onnxruntime-node');
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e;
    console.error('onnx-check: onnxruntime-node is not installed; run npm run setup:onnx first');
    process.exit(2);
  }
}

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const [checkpointFile, onnxFile] = process.argv
    .slice(2)
    .filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
  if (!checkpointFile || !onnxFile) {
    console.error('usage: node scripts/onnx-check.js CHECKPOINT MODEL.onnx [--images N] [--data DIR]');
    process.exit(2);
  }
  const ckpt = loadCheckpoint(checkpointFile);
  const dataset = loadDataset(ckpt.dataset.name, option('--data', ckpt.dataset.dir));
  const set = limitSet(dataset.test, Number(option('--images', '100')));
  const n = set.count;
  const [c, h, w] = ckpt.plan.input;
  const k = ckpt.plan.classes;
  const x = new Float32Array(n * c * h * w);
  new Batcher(set, ckpt.plan.input, ckpt.dataset.mean, ckpt.dataset.std).fill(
    Uint32Array.from({ length: n }, (_, i) => i),
    0,
    n,
    x,
    new Int32Array(n),
  );

  const runtime = createRuntime(ckpt.plan, { maxBatch: n, threads: 2 });
  runtime.params.set(ckpt.params);
  const mine = new Float32Array(n * k);
  await runtime.net.forward(x, n, mine);

  const session = await ort.InferenceSession.create(fs.readFileSync(onnxFile));
  const result = await session.run({ input: new ort.Tensor('float32', x, [n, c, h, w]) });
  const theirs = result.probabilities.data;

  let maxDiff = 0;
  let agree = 0;
  let correct = 0;
  const argmax = (p, i) => {
    let b = 0;
    for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + b]) b = j;
    return b;
  };
  for (let i = 0; i < n * k; i++) maxDiff = Math.max(maxDiff, Math.abs(mine[i] - theirs[i]));
  for (let i = 0; i < n; i++) {
    if (argmax(mine, i) === argmax(theirs, i)) agree++;
    if (argmax(theirs, i) === set.labels[i]) correct++;
  }
  console.log(`${onnxFile} against ${checkpointFile} on the first ${n} ${dataset.name} test images:`);
  console.log(`  max abs difference of the probabilities: ${maxDiff.toExponential(2)}`);
  console.log(`  same top class: ${agree}/${n}; onnxruntime's top class correct: ${correct}/${n}`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
