#!/usr/bin/env node
// `npm run bench`: training throughput of the zoo models with 1 and 2 threads, measured by
// `cnn bench` in child processes that alternate (1 thread, 2 threads, 1, 2, ...) so that a
// noisy machine affects both alike; each figure is the median of the runs. Then the GEMM
// benchmark (scripts/gemm-bench.js). Nothing here is a test: it only measures and prints.
//
//   node scripts/bench.js [--models lenet5,lenet5-classic] [--runs 3] [--steps 50] [--no-gemm]
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const os = require('node:os');

const ROOT = path.resolve(__dirname, '..');
const CNN = path.join(ROOT, 'bin', 'cnn');

function parseArgs(argv) {
  const opts = { models: null, runs: 3, steps: 50, gemm: true, batch: 64 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (key === '--no-gemm') { opts.gemm = false; continue; }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--models') opts.models = value.split(',');
    else if (key === '--runs') opts.runs = Number(value);
    else if (key === '--steps') opts.steps = Number(value);
    else if (key === '--batch-size') opts.batch = Number(value);
    else throw new Error(`unknown option ${key}`);
  }
  return opts;
}

function cnn(args) {
  const r = spawnSync(process.execPath, [CNN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cnn ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const known = JSON.parse(cnn(['models', '--json'])).map((m) => m.name);
  const wanted = opts.models ?? ['lenet5', 'lenet5-classic', 'alexnet-lite', 'vgg-small', 'resnet20'];
  const models = wanted.filter((m) => known.includes(m));
  console.log(`cnn training throughput, batch ${opts.batch}, ${opts.steps} steps, median of ${opts.runs} alternated runs`);
  console.log(`machine: ${os.cpus()[0].model}, ${os.availableParallelism()} cores, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  console.log('');
  console.log('model            1 thread img/s   2 threads img/s   2 threads ms/step   speed-up');
  for (const model of models) {
    const samples = { 1: [], 2: [] };
    const ms = [];
    for (let r = 0; r < opts.runs; r++) {
      for (const t of [1, 2]) {
        const out = JSON.parse(cnn(['bench', model, '--threads', String(t), '--batch-size', String(opts.batch), '--steps', String(opts.steps), '--json']));
        samples[t].push(out.imagesPerSecond);
        if (t === 2) ms.push(out.msPerStep);
      }
    }
    const one = median(samples[1]);
    const two = median(samples[2]);
    console.log(
      `${model.padEnd(16)} ${Math.round(one).toLocaleString('en-US').padStart(15)} ${Math.round(two).toLocaleString('en-US').padStart(17)} ` +
        `${median(ms).toFixed(2).padStart(19)} ${(two / one).toFixed(2).padStart(9)}x`,
    );
  }
  if (opts.gemm) {
    console.log('');
    const r = spawnSync(process.execPath, [path.join(__dirname, 'gemm-bench.js'), '--threads', '1,2'], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}

main();
