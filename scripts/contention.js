#!/usr/bin/env node
// Training throughput on a busy machine: cnn's default thread setting against --threads 1,
// both while one CPU-bound competitor process runs. The default must not fall below 0.9x
// of one thread's speed under the same competitor (it used to fall to a fraction of it
// when every core got a thread that the competitor kept waiting). Also prints the quiet
// figures for scale. Each measurement is a `cnn bench --json` child; the two settings
// alternate, and each figure is the median of --runs runs. Exits 1 when a ratio misses.
//
//   node scripts/contention.js [--models lenet5,resnet20] [--runs 5] [--steps 30] [--competitors 1]
'use strict';
const { parseScriptArgs } = require('./script-args');
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const CNN = path.join(__dirname, '..', 'bin', 'cnn');
const TARGET = 0.9;

function parseArgs(argv) {
  const opts = { models: ['lenet5', 'resnet20'], runs: 5, steps: 30, competitors: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--models') opts.models = value.split(',').filter(Boolean);
    else if (key === '--runs') opts.runs = Number(value);
    else if (key === '--steps') opts.steps = Number(value);
    else if (key === '--competitors') opts.competitors = Number(value);
    else throw new Error(`unknown option ${key}`);
  }
  return opts;
}

/** images/s of one `cnn bench` run; `threads` null leaves the default to cnn. */
function bench(model, threads, steps) {
  const args = [CNN, 'bench', model, '--json', '--steps', String(steps), '--warmup', '3'];
  if (threads !== null) args.push('--threads', String(threads));
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cnn bench ${model} failed: ${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  return { imagesPerSecond: result.imagesPerSecond, threads: result.threads };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Default and one-thread throughput, alternated, medians of `runs`. */
function compare(model, opts) {
  const byDefault = [];
  const single = [];
  const chosen = new Set();
  for (let run = 0; run < opts.runs; run++) {
    const d = bench(model, null, opts.steps);
    byDefault.push(d.imagesPerSecond);
    chosen.add(d.threads);
    single.push(bench(model, 1, opts.steps).imagesPerSecond);
  }
  return { byDefault: median(byDefault), single: median(single), threadsChosen: [...chosen].sort() };
}

function startCompetitors(n) {
  const spin = 'let x = 0; for (;;) { x = (x * 1103515245 + 12345) % 2147483648; }';
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }));
}

function main() {
  const opts = parseScriptArgs(__filename, process.argv.slice(2), parseArgs);
  const rows = [];
  for (const model of opts.models) {
    const quiet = compare(model, { ...opts, runs: Math.max(1, Math.floor(opts.runs / 2)) });
    const competitors = startCompetitors(opts.competitors);
    let busy;
    try {
      busy = compare(model, opts);
    } finally {
      for (const c of competitors) c.kill('SIGKILL');
    }
    rows.push({ model, quiet, busy, ratio: busy.byDefault / busy.single });
  }
  const fmt = (x) => Math.round(x).toLocaleString('en-US').padStart(8);
  console.log(`${opts.competitors} CPU-bound competitor(s); images/s, medians of ${opts.runs} alternated runs`);
  console.log('model          quiet default  quiet 1t  busy default (threads)  busy 1t   ratio  target');
  let ok = true;
  for (const r of rows) {
    const pass = r.ratio >= TARGET;
    ok &&= pass;
    console.log(
      `${r.model.padEnd(14)} ${fmt(r.quiet.byDefault)}      ${fmt(r.quiet.single)}  ${fmt(r.busy.byDefault)} (${r.busy.threadsChosen.join('/')})` +
        `          ${fmt(r.busy.single)}  ${r.ratio.toFixed(2)}x  >= ${TARGET} ${pass ? 'met' : 'MISSED'}`,
    );
  }
  process.exitCode = ok ? 0 : 1;
}

main();
