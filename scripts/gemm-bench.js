#!/usr/bin/env node
// GEMM benchmark: GFLOP/s of the addon's gemm per path and thread count, at square sizes
// and at the shapes convolution and dense layers hand to GEMM, next to the FMA peak.
// Each figure is the median of several timed runs (the machine may be shared and noisy).
//
//   node scripts/gemm-bench.js [--paths avx512,avx2,portable] [--threads 1,2]
//                              [--sizes square,conv] [--runs 7] [--peak-seconds 0.5] [--no-openblas]
// The addon is the test addon (cnn_test.node, found as test/test-addon.ts finds it: CNN_TEST_ADDON
// if set, else beside cnn.node; build the TypeScript first). Where OpenBLAS is installed it
// is timed on every shape right after the addon (scripts/openblas-gemm.js), with the ratio of
// the addon's first path to it.
'use strict';
const { parseScriptArgs } = require('./script-args');
const { openBlasGemm } = require('./openblas-gemm');

function parseArgs(argv) {
  const opts = {
    paths: ['avx512', 'avx2', 'portable'],
    threads: [1, 2],
    sizes: ['square', 'conv'],
    runs: 7,
    peakSeconds: 0.5,
    openblas: true,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--no-openblas') {
      opts.openblas = false;
      i--;
      continue;
    }
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--paths') opts.paths = value.split(',');
    else if (key === '--threads') opts.threads = value.split(',').map(Number);
    else if (key === '--sizes') opts.sizes = value.split(',');
    else if (key === '--runs') opts.runs = Number(value);
    else if (key === '--peak-seconds') opts.peakSeconds = Number(value);
    else throw new Error(`unknown option ${key}`);
  }
  return opts;
}

// [label, transA, transB, m, n, k]
const SQUARE = [256, 512, 1024, 2048].map((s) => [`${s}^3`, false, false, s, s, s]);
const CONV = [
  ['lenet conv1 fwd (6,784,25)', false, false, 6, 784, 25],
  ['conv 64ch fwd (64,1024,576)', false, false, 64, 1024, 576],
  ['conv 64ch bwd-data (576,1024,64) tA', true, false, 576, 1024, 64],
  ['conv 64ch bwd-weights (64,576,1024) tB', false, true, 64, 576, 1024],
  ['dense fwd (128,512,3136) tB', false, true, 128, 512, 3136],
  ['dense bwd-weights (512,3136,128) tA', true, false, 512, 3136, 128],
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

// Median and best GFLOP/s of `runs` timed runs, each repeating the call for at least ~50 ms.
// On a shared machine the best run shows what the code can do, the median what it did.
function timeGemm(native, [, ta, tb, m, n, k], runs) {
  const a = randomArray(m * k),
    b = randomArray(k * n),
    c = new Float32Array(m * n);
  const call = () => native.gemm(ta, tb, m, n, k, 1, a, b, 0, c);
  call();
  let reps = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) call();
    if (Number(process.hrtime.bigint() - t0) > 5e7 || reps > 1e5) break;
    reps *= 2;
  }
  const rates = [];
  for (let run = 0; run < runs; run++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) call();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push((2 * m * n * k * reps) / seconds / 1e9);
  }
  return { median: median(rates), best: Math.max(...rates) };
}

function main() {
  const opts = parseScriptArgs(__filename, process.argv.slice(2), parseArgs);
  const native = require('../dist/test/test-addon.js').loadTestAddon();
  const shapes = [...(opts.sizes.includes('square') ? SQUARE : []), ...(opts.sizes.includes('conv') ? CONV : [])];
  const paths = opts.paths.filter((p) => native.setGemmPath(p));
  const peaks = {};
  for (const t of opts.threads) {
    peaks[t] = native.fmaPeak(t, opts.peakSeconds);
    console.log(`FMA peak, ${t} thread(s): ${peaks[t].toFixed(1)} GFLOP/s`);
  }
  const openblas = opts.openblas ? openBlasGemm() : { missing: 'not run (--no-openblas)' };
  console.log(
    `paths: ${paths.join(', ')}; OpenBLAS: ${openblas.missing ?? `cblas_sgemm, alternated shape by shape (ratio: ${paths[0]} / OpenBLAS)`}\n`,
  );
  const openblasHeads = openblas.time ? opts.threads.map((t) => `openblas x${t}`.padStart(22)) : [];
  console.log(
    [
      'shape'.padEnd(42),
      ...paths.flatMap((p) => opts.threads.map((t) => `${p} x${t}`.padStart(16))),
      ...openblasHeads,
    ].join(''),
  );
  for (const shape of shapes) {
    const cells = [];
    const first = {}; // the first path's median per thread count, for the OpenBLAS ratio
    for (const p of paths) {
      native.setGemmPath(p);
      for (const t of opts.threads) {
        native.setThreads(t);
        const g = timeGemm(native, shape, opts.runs);
        first[t] ??= g.median;
        cells.push(
          `${g.median.toFixed(0)}/${g.best.toFixed(0)} (${Math.round((100 * g.median) / peaks[t])}%)`.padStart(16),
        );
      }
    }
    if (openblas.time) {
      for (const t of opts.threads) {
        const o = openblas.time(shape, t, opts.runs);
        cells.push(
          `${o.median.toFixed(0)}/${o.best.toFixed(0)} (${Math.round((100 * o.median) / peaks[t])}%) ${(first[t] / o.median).toFixed(2)}x`.padStart(
            22,
          ),
        );
      }
    }
    console.log([shape[0].padEnd(42), ...cells].join(''));
  }
  native.setGemmPath(paths[0]);
  console.log(
    `\nGFLOP/s, median/best of ${opts.runs} runs; (%): the median's share of the FMA peak at that thread count.`,
  );
  if (openblas.time)
    console.log(
      `OpenBLAS: the better of its own CPU detection and OPENBLAS_CORETYPE=SkylakeX; Nx: ${paths[0]} median / OpenBLAS median.`,
    );
}

main();
