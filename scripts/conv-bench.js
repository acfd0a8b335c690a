#!/usr/bin/env node
// Convolution benchmark: GFLOP/s of the addon's conv2d forward, backward-data and
// backward-weights at the model zoo's layer shapes (the test addon's per-op functions, batch 64
// by default). With several test addons (--addons a/cnn_test.node,b/cnn_test.node) the runs alternate between them in one
// process (every other run in reverse order), so a noisy shared machine affects each alike; each figure is the median of the
// timed runs (or, with --stat best, of the fastest: steadier when other processes share the
// cores), and the last column is the ratio of the last addon to the first.
//
//   node scripts/conv-bench.js [--addons a.node,b.node] [--threads 1,2] [--batch 64]
//                              [--runs 5] [--ops fwd,bwd-data,bwd-weights] [--filter vgg]
//                              [--stat median|best] [--conv-paths gemm,direct] [--precision bf16]
// --precision runs every addon's convolutions in fp32 (the default) or bf16 (setOpPrecision).
// --conv-paths alternates the convolution paths of each addon (setConvPath) as further columns.
// The addon is the test addon, found as test/test-addon.ts finds it (CNN_TEST_ADDON if set,
// else cnn_test.node beside cnn.node; build the TypeScript first). Nothing here is a test.
'use strict';
const { parseScriptArgs } = require('./script-args');
const path = require('node:path');
const { limitOpenMpSpinning } = require('../dist/src/native.js');
const { testAddonPath } = require('../dist/test/test-addon.js');
// As the CLI does: idle OpenMP threads spin briefly, then sleep.
limitOpenMpSpinning();

function parseArgs(argv) {
  const opts = {
    addons: null,
    threads: [1, 2],
    batch: 64,
    runs: 5,
    ops: ['fwd', 'bwd-data', 'bwd-weights'],
    filter: null,
    stat: 'median',
    convPaths: null,
    precision: 'fp32',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--addons') opts.addons = value.split(',').map((p) => path.resolve(p));
    else if (key === '--threads') opts.threads = value.split(',').map(Number);
    else if (key === '--batch') opts.batch = Number(value);
    else if (key === '--runs') opts.runs = Number(value);
    else if (key === '--ops') opts.ops = value.split(',');
    else if (key === '--filter') opts.filter = value;
    else if (key === '--stat') opts.stat = value;
    else if (key === '--conv-paths') opts.convPaths = value.split(',');
    else if (key === '--precision') opts.precision = value;
    else throw new Error(`unknown option ${key}`);
  }
  if (!opts.addons) opts.addons = [testAddonPath()];
  return opts;
}

// [label, c, h, w, oc, k, stride, pad]: the distinct conv layers of the zoo models.
const SHAPES = [
  ['lenet5 conv1', 1, 28, 28, 6, 5, 1, 2],
  ['lenet5 conv2', 6, 14, 14, 16, 5, 1, 0],
  ['vgg conv1', 3, 32, 32, 32, 3, 1, 1],
  ['vgg conv2', 32, 32, 32, 32, 3, 1, 1],
  ['vgg conv3', 32, 16, 16, 64, 3, 1, 1],
  ['vgg conv4', 64, 16, 16, 64, 3, 1, 1],
  ['vgg conv5', 64, 8, 8, 128, 3, 1, 1],
  ['vgg conv6', 128, 8, 8, 128, 3, 1, 1],
  ['resnet conv1', 3, 32, 32, 16, 3, 1, 1],
  ['resnet 16ch', 16, 32, 32, 16, 3, 1, 1],
  ['resnet 16->32 s2', 16, 32, 32, 32, 3, 2, 1],
  ['resnet 32ch', 32, 16, 16, 32, 3, 1, 1],
  ['resnet 32->64 s2', 32, 16, 16, 64, 3, 2, 1],
  ['resnet down 1x1 s2', 16, 32, 32, 32, 1, 2, 0],
  ['resnet 64ch', 64, 8, 8, 64, 3, 1, 1],
  ['alexnet conv1', 3, 32, 32, 64, 5, 1, 2],
  ['alexnet conv2', 64, 15, 15, 128, 5, 1, 2],
  ['alexnet conv3', 128, 7, 7, 192, 3, 1, 1],
  ['alexnet conv4', 192, 7, 7, 192, 3, 1, 1],
  ['alexnet conv5', 192, 7, 7, 128, 3, 1, 1],
  ['pointwise 1x1', 64, 16, 16, 64, 1, 1, 0],
];

function randomArray(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// Buffers and the three calls for one layer shape.
function makeCase([, c, h, w, oc, k, stride, pad], n) {
  const shape = { n, c, h, w, oc, kh: k, kw: k, sh: stride, sw: stride, ph: pad, pw: pad };
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1,
    ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const x = randomArray(n * c * h * w),
    wt = randomArray(oc * c * k * k),
    b = randomArray(oc);
  const y = new Float32Array(n * oc * oh * ow),
    dy = randomArray(n * oc * oh * ow);
  const dx = new Float32Array(x.length),
    dw = new Float32Array(wt.length),
    db = new Float32Array(oc);
  const flops = 2 * n * oc * oh * ow * c * k * k;
  return {
    flops,
    calls: {
      fwd: (native) => native.conv2dForward(shape, x, wt, b, y),
      'bwd-data': (native) => native.conv2dBackwardData(shape, dy, wt, dx, false),
      'bwd-weights': (native) => native.conv2dBackwardWeights(shape, x, dy, dw, db),
    },
  };
}

// Seconds per call: repeats the call for at least ~10 ms.
function timeCall(call) {
  let reps = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) call();
    const ns = Number(process.hrtime.bigint() - t0);
    if (ns > 1e7 || reps > 1e5) return ns / 1e9 / reps;
    reps *= 2;
  }
}

function main() {
  const opts = parseScriptArgs(__filename, process.argv.slice(2), parseArgs);
  let natives = opts.addons.map((file) => require(file));
  let names = opts.addons.map((file) => path.basename(path.dirname(path.dirname(file))));
  natives.forEach((native, i) => {
    if (!native.setOpPrecision(opts.precision))
      throw new Error(`precision ${opts.precision} is unknown to ${opts.addons[i]}`);
  });
  if (opts.convPaths) {
    // one column per (addon, conv path): a view that selects its path first
    const base = natives,
      baseNames = names;
    ((natives = []), (names = []));
    base.forEach((native, i) =>
      opts.convPaths.forEach((p) => {
        if (!native.setConvPath(p)) throw new Error(`conv path ${p} is unknown to ${opts.addons[i]}`);
        natives.push(
          new Proxy(native, {
            get: (t, k) =>
              k === 'setThreads'
                ? (n) => {
                    t.setConvPath(p);
                    t.setThreads(n);
                  }
                : t[k],
          }),
        );
        names.push(`${baseNames[i]}:${p}`);
      }),
    );
  }
  console.log(
    `conv2d GFLOP/s, batch ${opts.batch}, ${opts.precision}, ${opts.stat} of ${opts.runs} alternated runs; gemm path ${opts.precision === 'bf16' ? natives[0].gemmBf16Path() : natives[0].gemmPath()}`,
  );
  const header = ['layer'.padEnd(20), 'op'.padEnd(12), 'thr', ...names.map((n) => n.padStart(20))];
  if (natives.length > 1) header.push('ratio'.padStart(7));
  console.log(header.join(' '));
  for (const spec of SHAPES) {
    if (opts.filter && !spec[0].includes(opts.filter)) continue;
    const kase = makeCase(spec, opts.batch);
    for (const op of opts.ops) {
      for (const threads of opts.threads) {
        const times = natives.map(() => []);
        for (let r = 0; r < opts.runs; r++) {
          // Every other run in reverse order (ABBA): on a shared machine the first of a round
          // can run slower or faster than the rest, which a fixed order would charge to one addon.
          const order = natives.map((_, i) => (r % 2 === 0 ? i : natives.length - 1 - i));
          for (const i of order) {
            const native = natives[i];
            native.setThreads(threads);
            kase.calls[op](native); // warm: caches, OpenMP team
            times[i].push(timeCall(() => kase.calls[op](native)));
          }
        }
        const pick = opts.stat === 'best' ? (t) => Math.min(...t) : median;
        const gflops = times.map((t) => kase.flops / pick(t) / 1e9);
        const row = [
          spec[0].padEnd(20),
          op.padEnd(12),
          String(threads).padStart(3),
          ...gflops.map((g) => g.toFixed(1).padStart(20)),
        ];
        if (gflops.length > 1) row.push((gflops[gflops.length - 1] / gflops[0]).toFixed(2).padStart(7));
        console.log(row.join(' '));
      }
    }
  }
}

main();
