#!/usr/bin/env node
// `npm run bench`: training throughput of the zoo models, cnn side by side with PyTorch.
// Each measurement is a child process: `cnn bench` for cnn, scripts/torch-bench.py (the same
// architectures in PyTorch) for PyTorch. For every model they alternate in one loop (cnn 1
// thread, each PyTorch configuration at 1 thread, cnn 2 threads, each PyTorch configuration
// at 2 threads with libgomp's default wait policy and with OMP_WAIT_POLICY=passive; repeated
// --runs times) so a noisy machine affects all alike; each figure is the median of the runs.
// PyTorch's configurations are NCHW and channels_last in fp32, and bf16 autocast where it runs.
// The comparison takes cnn's best thread setting against PyTorch's best fp32 configuration and
// thread setting, and prints each model's targets as met or missed. Effective GFLOP/s = training FLOPs per image (2 FLOPs per
// multiply-add x 3 passes x `cnn summary`'s forward multiply-adds) x images/s, also as a share
// of the FMA peak the addon measures in the same run. Then the GEMM benchmark
// (scripts/gemm-bench.js). Nothing here is a test: it only measures and prints.
//
//   node scripts/bench.js [--models lenet5,vgg-small] [--runs 3] [--steps 50] [--batch-size 64]
//                         [--no-torch] [--no-gemm] [--json [FILE|-]]
//   node scripts/bench.js --markdown FILE     (the results table of a --json FILE, as Markdown)
//
// --json writes all results as one JSON object to FILE, by default
// docs/bench/bench-YYYY-MM-DD-HHMM.json (UTC), where the documents keep the runs they cite;
// --json - writes it to stdout (the table then goes to stderr). PyTorch is run with
// TORCH_PYTHON (default /usr/bin/python3). See docs/performance.md.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const ROOT = path.resolve(__dirname, '..');
const CNN = path.join(ROOT, 'bin', 'cnn');
const TORCH_BENCH = path.join(__dirname, 'torch-bench.py');
const PYTHON = process.env.TORCH_PYTHON || '/usr/bin/python3';
const DEFAULT_MODELS = ['lenet5', 'lenet5-classic', 'alexnet-lite', 'vgg-small', 'resnet20'];
const THREADS = [1, 2];
const WARMUP = 5;
// The environment as given, for the children: loadAddon() sets GOMP_SPINCOUNT for this process only.
const BASE_ENV = { ...process.env };
const INSTALL_HINT =
  'install it for /usr/bin/python3 with `sudo apt-get install -y python3-torch` (Debian/Ubuntu), or ' +
  '`/usr/bin/python3 -m pip install torch --index-url https://download.pytorch.org/whl/cpu`, or point TORCH_PYTHON at a python with torch';

const USAGE =
  'usage: node scripts/bench.js [--models a,b] [--runs N] [--steps N] [--batch-size N] [--no-torch] [--no-gemm] [--json [FILE|-]]\n' +
  '       node scripts/bench.js --markdown FILE';

/** Where --json without a file name writes: docs/bench/, named by the UTC date and time. */
function defaultJsonFile() {
  const stamp = new Date().toISOString().slice(0, 16).replace('T', '-').replace(':', '');
  return path.join(ROOT, 'docs', 'bench', `bench-${stamp}.json`);
}

function parseArgs(argv) {
  const opts = {
    models: null,
    runs: 3,
    steps: 50,
    batch: 64,
    torch: true,
    gemm: true,
    json: false,
    jsonFile: null,
    markdown: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (key === '--no-gemm') {
      opts.gemm = false;
      continue;
    }
    if (key === '--no-torch') {
      opts.torch = false;
      continue;
    }
    if (key === '--json') {
      opts.json = true;
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) i++;
      opts.jsonFile = next === '-' ? null : next !== undefined && !next.startsWith('--') ? next : defaultJsonFile();
      continue;
    }
    if (key === '--help' || key === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value\n${USAGE}`);
    if (key === '--models') opts.models = value.split(',').filter(Boolean);
    else if (key === '--runs') opts.runs = positiveInt(key, value);
    else if (key === '--steps') opts.steps = positiveInt(key, value);
    else if (key === '--batch-size') opts.batch = positiveInt(key, value);
    else if (key === '--markdown') opts.markdown = value;
    else throw new Error(`unknown option ${key}\n${USAGE}`);
  }
  return opts;
}

function positiveInt(key, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${key} must be a positive integer, got '${value}'`);
  return n;
}

function run(file, args, env) {
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...BASE_ENV, ...env } });
  if (r.error) throw new Error(`cannot run ${file} (${r.error.code ?? r.error.message})`);
  if (r.status !== 0)
    throw new Error(`${path.basename(file)} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

const cnn = (args) => run(process.execPath, [CNN, ...args]);
// OPENBLAS_NUM_THREADS=1 before torch loads (torch-bench.py also forces it): otherwise OpenBLAS's
// own threads fight torch's OpenMP threads and PyTorch runs several times slower.
const python = (args, env = {}) => run(PYTHON, args, { OPENBLAS_NUM_THREADS: '1', ...env });
// PyTorch with 2 threads runs twice per round: with libgomp's default wait policy (threads spin
// between parallel regions) and with OMP_WAIT_POLICY=passive (they sleep). On a busy machine
// spinning can make it several times slower than 1 thread; the table takes the better of the two.
const PASSIVE = { OMP_WAIT_POLICY: 'passive' };

const cnnArgs = (model, threads, o) => [
  'bench',
  model,
  '--threads',
  String(threads),
  '--batch-size',
  String(o.batch),
  '--steps',
  String(o.steps),
  '--warmup',
  String(WARMUP),
  '--json',
  '--precision',
  o.precision ?? 'fp32',
];
const torchArgs = (model, threads, o, flags = []) => [
  TORCH_BENCH,
  model,
  '--threads',
  String(threads),
  '--batch-size',
  String(o.batch),
  '--steps',
  String(o.steps),
  '--warmup',
  String(WARMUP),
  ...flags,
];

// PyTorch's configurations, each measured in every round: both memory formats in fp32 (the
// comparison takes the best), and bf16 autocast in channels_last as a separate row where this
// CPU and PyTorch run it. At 2 threads each also runs with OMP_WAIT_POLICY=passive.
const TORCH_VARIANTS = [
  { key: 'nchw', flags: [], precision: 'fp32' },
  { key: 'channels_last', flags: ['--channels-last'], precision: 'fp32' },
  { key: 'bf16', flags: ['--channels-last', '--bf16'], precision: 'bf16' },
];

// What `npm run bench` is measured against: cnn's best thread setting over PyTorch's best fp32
// configuration, and cnn's effective FLOP/s at 1 thread as a share of the FMA peak.
const RATIO_TARGETS = { lenet5: 3, resnet20: 1.3, 'vgg-small': 1.3, 'alexnet-lite': 1.3 };
const PEAK_TARGETS_1T = { 'vgg-small': 65, 'alexnet-lite': 65 };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** PyTorch's version and the models torch-bench.py knows, or null (with the reason) if it cannot run. */
function probeTorch() {
  try {
    const info = JSON.parse(
      python([
        '-c',
        'import json, torch; print(json.dumps({"version": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(), ' +
          '"openmp": torch.backends.openmp.is_available()}))',
      ]),
    );
    info.models = JSON.parse(python([TORCH_BENCH, 'list']));
    info.bf16 = JSON.parse(python([TORCH_BENCH, 'bf16-supported']));
    return { info, reason: null };
  } catch (e) {
    return { info: null, reason: e.message.split('\n').slice(-1)[0] };
  }
}

/** The test addon (cnn_test.node), for fmaPeak and gemmPath; null if it does not load (then no % of peak). */
function loadAddon() {
  try {
    return require(path.join(ROOT, 'dist', 'test', 'test-addon.js')).loadTestAddon();
  } catch {
    return null;
  }
}

/** The CPU's model name, with family/model/stepping from /proc/cpuinfo (VMs often report only "AMD EPYC"). */
function cpuModel() {
  try {
    const lines = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n');
    const field = (name) =>
      lines
        .find((l) => l.split(':')[0].trim() === name)
        ?.split(':')[1]
        .trim();
    const name = field('model name');
    if (name) return `${name} (family ${field('cpu family')}, model ${field('model')}, stepping ${field('stepping')})`;
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

const fmt = (x) => (x === undefined || x === null ? '-' : Math.round(x).toLocaleString('en-US'));
/** A PyTorch figure with its configuration: c for channels_last, p for the passive wait policy. */
const torchMark = (m) =>
  m
    ? fmt(m.imagesPerSecond) + (m.layout === 'channels_last' ? ' c' : '') + (m.waitPolicy === 'passive' ? ' p' : '')
    : '-';
const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** The best of the thread settings: {threads, imagesPerSecond, gflops, peakPercent}. */
function best(side, flopsPerImage, peaks) {
  let top = null;
  for (const t of THREADS) {
    const ips = side?.[t]?.imagesPerSecond;
    if (ips !== undefined && (top === null || ips > top.imagesPerSecond)) top = { threads: t, imagesPerSecond: ips };
  }
  if (top === null) return null;
  top.gflops = (flopsPerImage * top.imagesPerSecond) / 1e9;
  top.peakPercent = peaks?.[top.threads] ? (100 * top.gflops) / peaks[top.threads] : null;
  return top;
}

/** One model: cnn and (if it has the model) PyTorch's configurations, alternated, --runs times; medians. */
function measureModel(model, opts, torch) {
  const summary = JSON.parse(cnn(['summary', model, '--json']));
  const macs = summary.totals.connections;
  const flopsPerImage = 2 * 3 * macs;
  const withTorch = Boolean(torch && torch.models.includes(model));
  const variants = TORCH_VARIANTS.filter((v) => v.precision === 'fp32' || torch?.bf16);
  const samples = { cnn: { 1: [], 2: [] }, cnnBf16: { 1: [], 2: [] }, torch: {} };
  const errors = [];
  for (let r = 0; r < opts.runs; r++) {
    for (const t of THREADS) {
      try {
        samples.cnn[t].push(JSON.parse(cnn(cnnArgs(model, t, opts))));
        samples.cnnBf16[t].push(JSON.parse(cnn(cnnArgs(model, t, { ...opts, precision: 'bf16' }))));
      } catch (e) {
        errors.push(e.message);
      }
      if (!withTorch) continue;
      for (const v of variants) {
        for (const passive of t === 1 ? [false] : [false, true]) {
          const key = `${v.key}-${t}${passive ? 'p' : ''}`;
          try {
            (samples.torch[key] ??= []).push(
              JSON.parse(python(torchArgs(model, t, opts, v.flags), passive ? PASSIVE : {})),
            );
          } catch (e) {
            errors.push(e.message);
          }
        }
      }
    }
  }
  const summarise = (runs) => {
    const out = {};
    for (const t of Object.keys(runs)) {
      if (!runs[t].length) continue;
      const ips = median(runs[t].map((x) => x.imagesPerSecond));
      out[t] = {
        imagesPerSecond: ips,
        msPerStep: median(runs[t].map((x) => x.msPerStep)),
        gflops: (flopsPerImage * ips) / 1e9,
        runs: runs[t].map((x) => x.imagesPerSecond),
      };
    }
    return Object.keys(out).length ? out : null;
  };
  const entry = {
    model,
    params: summary.totals.params,
    macsPerImage: macs,
    trainFlopsPerImage: flopsPerImage,
    cnn: summarise(samples.cnn),
    cnnBf16: summarise(samples.cnnBf16),
    torch: null,
    torchBf16: null,
    torchVariants: withTorch ? summarise(samples.torch) : null,
  };
  if (entry.torchVariants) {
    // torch[t] is the best fp32 configuration (layout and wait policy) at t threads; the bf16
    // row takes the better wait policy. Every configuration's medians stay in torchVariants.
    const bestOf = (precision, t) => {
      let top = null;
      for (const v of variants.filter((x) => x.precision === precision)) {
        for (const suffix of t === 1 ? [''] : ['', 'p']) {
          const m = entry.torchVariants[`${v.key}-${t}${suffix}`];
          if (m && (!top || m.imagesPerSecond > top.imagesPerSecond)) {
            top = {
              ...m,
              layout: v.key === 'nchw' ? 'nchw' : 'channels_last',
              waitPolicy: suffix ? 'passive' : 'default',
            };
          }
        }
      }
      return top;
    };
    entry.torch = Object.fromEntries(THREADS.map((t) => [t, bestOf('fp32', t)]).filter(([, m]) => m));
    const bf16 = Object.fromEntries(THREADS.map((t) => [t, bestOf('bf16', t)]).filter(([, m]) => m));
    if (Object.keys(bf16).length) entry.torchBf16 = bf16;
  }
  if (errors.length) entry.errors = errors;
  return entry;
}

/** Each target this entry has: what is measured against what, and whether it is met. */
function targetsOf(entry) {
  const out = [];
  const ratioTarget = RATIO_TARGETS[entry.model];
  if (ratioTarget !== undefined && entry.ratio) {
    out.push({
      what: 'cnn / PyTorch best',
      value: entry.ratio,
      target: ratioTarget,
      met: entry.ratio >= ratioTarget,
      unit: 'x',
    });
  }
  const peakTarget = PEAK_TARGETS_1T[entry.model];
  const onePeak = entry.cnn?.[1]?.peakPercent;
  if (peakTarget !== undefined && onePeak !== undefined && onePeak !== null) {
    out.push({
      what: 'cnn 1t % of FMA peak',
      value: onePeak,
      target: peakTarget,
      met: onePeak >= peakTarget,
      unit: '%',
    });
  }
  return out;
}

/** The targets of one entry as a table cell: ">= 1.3x: missed; 1t >= 65%: met". */
function targetCell(e) {
  const targets = e.targets ?? [];
  return targets.length ? targets.map((t) => `${t.target}${t.unit}: ${t.met ? 'met' : 'missed'}`).join('; ') : '-';
}

/** cnn's bf16 images/s at 1 and 2 threads and its best over cnn's best fp32: "812 / 1,400 (1.21x)". */
function bf16Cell(e) {
  if (!e.cnnBf16) return '-';
  const top = (side) => Math.max(...THREADS.map((t) => side?.[t]?.imagesPerSecond ?? 0));
  const ratio = top(e.cnn) ? top(e.cnnBf16) / top(e.cnn) : 0;
  return `${fmt(e.cnnBf16[1]?.imagesPerSecond)} / ${fmt(e.cnnBf16[2]?.imagesPerSecond)}${ratio ? ` (${ratio.toFixed(2)}x)` : ''}`;
}

/** The results table of a --json file as Markdown (for docs/performance.md and the README). */
function markdownTable(result) {
  const n = (x) => (x === undefined || x === null ? '-' : fmt(x));
  const g = (b) =>
    b ? `${b.gflops.toFixed(1)} (${b.peakPercent === null ? '?' : b.peakPercent.toFixed(0)}%, ${b.threads}t)` : '-';
  const lines = [
    '| model | cnn 1t img/s | cnn 2t img/s | PyTorch 1t img/s | PyTorch 2t img/s | cnn / PyTorch (best vs best) | target | cnn GFLOP/s (% of peak) | PyTorch GFLOP/s (% of peak) | PyTorch bf16 1t / 2t | cnn bf16 1t / 2t (best over cnn fp32 best) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const e of result.models) {
    const t = (k) => (!result.torch ? '-' : !e.torch ? 'n/a' : torchMark(e.torch[k]));
    lines.push(
      `| ${e.model} | ${n(e.cnn?.[1]?.imagesPerSecond)} | ${n(e.cnn?.[2]?.imagesPerSecond)} | ${t(1)} | ${t(2)} | ` +
        `${e.ratio ? e.ratio.toFixed(2) + 'x' : '-'} | ${targetCell(e)} | ${g(e.best?.cnn)} | ${g(e.best?.torch)} | ` +
        `${e.torchBf16 ? `${torchMark(e.torchBf16[1])} / ${torchMark(e.torchBf16[2])}` : '-'} | ${bf16Cell(e)} |`,
    );
  }
  const peak = Object.entries(result.fmaPeak)
    .map(([t, v]) => `${v.toFixed(0)} GFLOP/s x${t}`)
    .join(', ');
  lines.push(
    '',
    `Batch ${result.settings.batchSize}, ${result.settings.warmup} warm-up + ${result.settings.steps} timed steps, median of ` +
      `${result.settings.runs} alternated runs; ${result.machine.cpu}, ${result.machine.cores} cores; ${result.date.slice(0, 16).replace('T', ' ')} UTC; ` +
      `PyTorch ${result.torch ? result.torch.version : 'not run'} (best of NCHW and channels_last (c), default and passive (p) wait policy); ` +
      `FMA peak ${peak || 'not measured'}; ` +
      `load average ${result.machine.loadavgStart[0].toFixed(1)} at start, ${result.machine.loadavgEnd[0].toFixed(1)} at end.`,
  );
  return lines.join('\n');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.markdown) {
    console.log(markdownTable(JSON.parse(fs.readFileSync(opts.markdown, 'utf8'))));
    return;
  }
  // With --json and no file the JSON owns stdout; everything human goes to stderr.
  const say =
    opts.json && !opts.jsonFile
      ? (s = '') => process.stderr.write(s + '\n')
      : (s = '') => process.stdout.write(s + '\n');

  const known = JSON.parse(cnn(['models', '--json'])).map((m) => m.name);
  const wanted = opts.models ?? DEFAULT_MODELS;
  const unknown = wanted.filter((m) => !known.includes(m));
  if (unknown.length) say(`skipping unknown model(s): ${unknown.join(', ')}`);
  const models = wanted.filter((m) => known.includes(m));

  let torch = null;
  if (opts.torch) {
    const probe = probeTorch();
    torch = probe.info;
    if (!torch) say(`PyTorch not available (${PYTHON}: ${probe.reason}); ${INSTALL_HINT}. Continuing with cnn only.\n`);
  }

  const native = loadAddon();
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpuModel(),
      cores: os.availableParallelism(),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      loadavgStart: os.loadavg(),
      gemmPath: native ? native.gemmPath() : null,
    },
    settings: { batchSize: opts.batch, steps: opts.steps, warmup: WARMUP, runs: opts.runs, threads: THREADS },
    torch: torch ? { version: torch.version, mkldnn: torch.mkldnn, openmp: torch.openmp, python: PYTHON } : null,
    commands: {
      cnn: `node bin/cnn ${cnnArgs('MODEL', 'T', opts).join(' ')}`,
      torch: torch
        ? `OPENBLAS_NUM_THREADS=1 ${PYTHON} scripts/${path.basename(TORCH_BENCH)} ${torchArgs('MODEL', 'T', opts).slice(1).join(' ')}`
        : null,
      fmaPeak: 'require(build/Release/cnn_test.node).fmaPeak(T, 0.5)',
    },
    fmaPeak: {},
    fmaPeakSamples: [],
    models: [],
  };

  // The FMA peak is sampled before every model and at the end; the highest rate seen at each
  // thread count is the ceiling (a busy machine only ever pulls a sample down).
  const samplePeak = () => {
    if (!native) return;
    const sample = Object.fromEntries(THREADS.map((t) => [t, native.fmaPeak(t, 0.5)]));
    result.fmaPeakSamples.push(sample);
    for (const t of THREADS) result.fmaPeak[t] = Math.max(result.fmaPeak[t] ?? 0, sample[t]);
  };

  say(`cnn vs PyTorch: training throughput (forward, cross-entropy, backward, SGD momentum step) on synthetic data`);
  say(
    `batch ${opts.batch}, ${WARMUP} warm-up + ${opts.steps} timed steps, median of ${opts.runs} alternated runs (cnn 1t, each PyTorch configuration 1t, cnn 2t, each PyTorch configuration 2t default and passive, ...)`,
  );
  say(
    `machine: ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.platform}, node ${process.version}, ${result.date.slice(0, 16).replace('T', ' ')} UTC`,
  );
  say(
    `load average at start: ${loadavg()}${os.availableParallelism() <= 2 ? ' (a small machine: anything else running adds noise)' : ''}`,
  );
  say(
    `cnn: GEMM path ${result.machine.gemmPath ?? '?'}; PyTorch: ${torch ? `${torch.version} (mkldnn ${torch.mkldnn ? 'on' : 'off'}, ${PYTHON})` : 'not run'}`,
  );
  say(`commands: ${result.commands.cnn}`);
  if (torch)
    say(
      `          ${result.commands.torch} [--channels-last] [--bf16]   (2 threads: also with OMP_WAIT_POLICY=passive)`,
    );
  if (!native)
    say(
      'FMA peak: the test addon did not load (build it with `npm run build:native` and `npm run build:ts`); no % of peak',
    );
  say('');

  for (const model of models) {
    samplePeak();
    const entry = measureModel(model, opts, torch);
    result.models.push(entry);
    const cell = (side, t) => fmt(side?.[t]?.imagesPerSecond);
    process.stderr.write(
      `${model}: cnn ${cell(entry.cnn, 1)} / ${cell(entry.cnn, 2)} img/s` +
        (entry.torch ? `, torch ${cell(entry.torch, 1)} / ${cell(entry.torch, 2)} img/s` : '') +
        ' (1 / 2 threads)\n',
    );
    for (const e of entry.errors ?? []) say(`  error: ${e}`);
    if (entry.errors) process.exitCode = 1;
  }
  samplePeak();
  for (const entry of result.models) {
    entry.best = {
      cnn: best(entry.cnn, entry.trainFlopsPerImage, result.fmaPeak),
      torch: best(entry.torch, entry.trainFlopsPerImage, result.fmaPeak),
    };
    entry.ratio =
      entry.best.cnn && entry.best.torch ? entry.best.cnn.imagesPerSecond / entry.best.torch.imagesPerSecond : null;
    for (const t of THREADS) {
      const m = entry.cnn?.[t];
      if (m) m.peakPercent = result.fmaPeak[t] ? (100 * m.gflops) / result.fmaPeak[t] : null;
    }
    entry.targets = targetsOf(entry);
  }
  result.machine.loadavgEnd = os.loadavg();

  say('');
  say(
    'model            cnn 1t img/s  cnn 2t img/s  torch 1t img/s  torch 2t img/s  cnn/torch   cnn GFLOP/s (peak)  torch GFLOP/s (peak)  torch bf16 1t / 2t  cnn bf16 1t / 2t',
  );
  const torchCell = (entry, t) => (!torch ? '-' : !entry.torch ? 'n/a' : torchMark(entry.torch[t]));
  const gflops = (b) =>
    b ? `${b.gflops.toFixed(1)} (${b.peakPercent === null ? '?' : b.peakPercent.toFixed(0)}%) ${b.threads}t` : '-';
  for (const entry of result.models) {
    say(
      `${entry.model.padEnd(16)} ${fmt(entry.cnn?.[1]?.imagesPerSecond).padStart(12)}  ${fmt(entry.cnn?.[2]?.imagesPerSecond).padStart(12)}  ` +
        `${torchCell(entry, 1).padStart(14)}  ${torchCell(entry, 2).padStart(14)}  ` +
        `${(entry.ratio ? `${entry.ratio.toFixed(2)}x` : '-').padStart(9)}   ${gflops(entry.best.cnn).padStart(18)}  ${gflops(entry.best.torch).padStart(20)}  ` +
        `${entry.torchBf16 ? `${torchMark(entry.torchBf16[1])} / ${torchMark(entry.torchBf16[2])}` : '-'}  ${bf16Cell(entry)}`,
    );
  }
  say('');
  say('targets:');
  for (const entry of result.models) {
    for (const t of entry.targets) {
      const v = t.unit === 'x' ? `${t.value.toFixed(2)}x` : `${t.value.toFixed(0)}%`;
      say(
        `  ${entry.model.padEnd(14)} ${t.what.padEnd(22)} ${v.padStart(7)}  target >= ${t.target}${t.unit}  ${t.met ? 'met' : 'MISSED'}`,
      );
    }
  }
  say('');
  say('img/s: training images per second, median of the runs; n/a: torch-bench.py has no such model; -: not run.');
  if (torch) {
    say(
      "torch: the best fp32 configuration at that thread count: NCHW or channels_last (marked c), libgomp's default wait",
    );
    say(
      'policy or OMP_WAIT_POLICY=passive (marked p); torch bf16: autocast in channels_last, not part of the comparison.',
    );
  }
  say("cnn/torch: cnn's best thread setting against PyTorch's best (above 1: cnn is faster).");
  say("cnn bf16: cnn bench --precision bf16; in brackets its best thread setting over cnn's best fp32.");
  say('GFLOP/s: 6 x forward multiply-adds per image (cnn summary) x img/s, at the best thread setting (1t/2t);');
  if (native) {
    say(
      `(peak): its share of the FMA peak at that thread count: ${THREADS.map((t) => `${result.fmaPeak[t].toFixed(1)} GFLOP/s x${t}`).join(', ')},`,
    );
    say(
      `the highest of ${result.fmaPeakSamples.length} samples taken before each model and at the end (lowest: ` +
        `${THREADS.map((t) => Math.min(...result.fmaPeakSamples.map((x) => x[t])).toFixed(1)).join(' / ')}).`,
    );
  }
  say(
    `load average: ${result.machine.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${loadavg()} at end (1, 5, 15 minutes).`,
  );

  if (opts.json) {
    const text = JSON.stringify(result, null, 2) + '\n';
    if (opts.jsonFile) {
      fs.mkdirSync(path.dirname(opts.jsonFile), { recursive: true });
      fs.writeFileSync(opts.jsonFile, text);
      say(`results written to ${opts.jsonFile}`);
    } else process.stdout.write(text);
  }

  if (opts.gemm) {
    say('');
    const out = opts.json && !opts.jsonFile ? 2 : 'inherit';
    const r = spawnSync(process.execPath, [path.join(__dirname, 'gemm-bench.js'), '--threads', THREADS.join(',')], {
      stdio: ['ignore', out, 'inherit'],
    });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}

try {
  main();
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exitCode = 1;
}
