#!/usr/bin/env node
// The image-folder path against the IDX path on the same MNIST images: writes the digits as
// a folder of PNG and JPEG files (several sizes, some RGB, class folders "zero".."nine";
// test/data/image-folder-fixture.ts), and the IDX files of the same images in the same order,
// then trains lenet5 on each with the same settings. Checks that the folder's final test
// accuracy is within 0.3 points of the IDX path's, and that the second folder run (reading
// the pixel cache) has a first epoch within 10% of the IDX path's. Run it on a quiet machine
// after `npx tsc -p tsconfig.json`; exits 1 when a target is missed.
//
//   node scripts/image-folder-compare.js [--train 60000] [--test 10000] [--epochs 5] [--threads N] [--dir DIR]
'use strict';
const { parseScriptArgs } = require('./script-args');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CNN = path.join(ROOT, 'bin', 'cnn');
const fixture = require(path.join(ROOT, 'dist', 'test', 'data', 'image-folder-fixture.js'));

function parseArgs(argv) {
  const opts = { train: 60000, test: 10000, epochs: 5, threads: os.availableParallelism(), dir: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--dir') opts.dir = value;
    else if (['--train', '--test', '--epochs', '--threads'].includes(key)) opts[key.slice(2)] = Number(value);
    else throw new Error(`unknown option ${key}`);
  }
  return opts;
}

function train(args, label) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [CNN, 'train', 'lenet5', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`${label}: cnn train exited ${r.status}\n${r.stdout}`);
  const accuracy = Number(/final test accuracy ([\d.]+)%/.exec(r.stdout)[1]);
  return { accuracy, wall: (Date.now() - started) / 1000, stdout: r.stdout };
}

function firstEpochSeconds(metricsFile) {
  return JSON.parse(fs.readFileSync(metricsFile, 'utf8').split('\n')[0]).seconds;
}

async function main() {
  const opts = parseScriptArgs(__filename, process.argv.slice(2), parseArgs);
  const work = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-folder-compare-'));
  const folder = path.join(work, 'digits');
  if (!fs.existsSync(folder)) {
    console.log(`writing ${opts.train} + ${opts.test} digit images to ${folder} ...`);
    await fixture.digitFolders(folder, opts.train, opts.test);
  }
  const idx = fixture.idxOfFolder(folder, fs.mkdtempSync(path.join(work, 'idx-')));
  const cache = path.join(work, 'cache');
  fs.rmSync(cache, { recursive: true, force: true });
  const settings = [
    '--input',
    '1,28,28',
    '--epochs',
    String(opts.epochs),
    '--threads',
    String(opts.threads),
    '--seed',
    '1',
  ];
  const metrics = (name) => {
    const f = path.join(work, `${name}.jsonl`);
    fs.rmSync(f, { force: true });
    return f;
  };
  const m = { idx: metrics('idx'), cold: metrics('cold'), warm: metrics('warm') };
  const idxRun = train(['--data', idx, '--out', path.join(work, 'idx.st'), '--metrics', m.idx, ...settings], 'IDX');
  const cold = train(
    ['--data', folder, '--cache-dir', cache, '--out', path.join(work, 'folder.st'), '--metrics', m.cold, ...settings],
    'folder, first run',
  );
  const warm = train(
    ['--data', folder, '--cache-dir', cache, '--out', path.join(work, 'folder.st'), '--metrics', m.warm, ...settings],
    'folder, cached',
  );
  if (!/reading cached images from/.test(warm.stdout)) throw new Error('the second folder run did not read the cache');
  const gap = Math.abs(warm.accuracy - idxRun.accuracy);
  const epochRatio = firstEpochSeconds(m.warm) / firstEpochSeconds(m.idx);
  console.log(
    `IDX:               ${idxRun.accuracy.toFixed(2)}%  first epoch ${firstEpochSeconds(m.idx).toFixed(2)} s  run ${idxRun.wall.toFixed(1)} s`,
  );
  console.log(
    `folder, first run: ${cold.accuracy.toFixed(2)}%  first epoch ${firstEpochSeconds(m.cold).toFixed(2)} s  run ${cold.wall.toFixed(1)} s (includes building the cache)`,
  );
  console.log(
    `folder, cached:    ${warm.accuracy.toFixed(2)}%  first epoch ${firstEpochSeconds(m.warm).toFixed(2)} s  run ${warm.wall.toFixed(1)} s`,
  );
  const accuracyOk = gap <= 0.3;
  const timeOk = epochRatio <= 1.1;
  console.log(`accuracy gap ${gap.toFixed(2)} points (target <= 0.3): ${accuracyOk ? 'met' : 'MISSED'}`);
  console.log(
    `cached first epoch / IDX first epoch ${epochRatio.toFixed(3)} (target <= 1.10): ${timeOk ? 'met' : 'MISSED'}`,
  );
  process.exitCode = accuracyOk && timeOk ? 0 : 1;
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
