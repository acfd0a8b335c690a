#!/usr/bin/env node
// Exports zoo models with random weights (batch norm's statistics randomised too, the last
// layer scaled so the probabilities are far from uniform) and compares onnxruntime-node's
// probabilities with cnn's on a few random images: the big models the test suite only checks
// for a well-formed graph. Uses the test helpers in dist/test/export/onnx-compare.js (built
// by `npm install` / `npx tsc`). Slow for the 224x224 models (minutes); it only measures.
//
//   node scripts/onnx-zoo-check.js MODEL... [--images N]
'use strict';
const path = require('path');
const dist = path.join(__dirname, '..', 'dist');
const compare = require(path.join(dist, 'test', 'export', 'onnx-compare'));
const { planModel } = require(path.join(dist, 'src', 'model', 'plan'));
const { getModel } = require(path.join(dist, 'src', 'model', 'zoo'));
const { initParams } = require(path.join(dist, 'src', 'model', 'init'));
const { Rng } = require(path.join(dist, 'src', 'train', 'rng'));

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--images');
  const n = at >= 0 ? Number(args[at + 1]) : 4;
  const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--images');
  for (const name of names) {
    const started = Date.now();
    const plan = planModel(getModel(name));
    const params = new Float32Array(plan.paramSize);
    initParams(plan, params, new Rng(3));
    compare.randomiseBatchNorm(plan, params, 4);
    const x = compare.randomImages(plan, n, 5);
    await compare.sharpenOutputs(plan, params, x, n);
    const r = await compare.compareExport(plan, params, x, n);
    console.log(
      `${name}: max abs difference ${r.maxAbsDiff.toExponential(2)} over ${n} random images, ` +
        `mean top probability ${r.meanTop.toFixed(3)}, ONNX ${(r.bytes / 1048576).toFixed(1)} MiB, ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
