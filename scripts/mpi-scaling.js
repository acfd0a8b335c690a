#!/usr/bin/env node
// The scaling table of docs/distributed.md: training images/s of one process and of
// 2 ranks under mpirun on this machine, the rows run in turn within each pass (the machine is
// noisy, so rows are alternated, never timed in blocks), median and range over the passes.
//   node scripts/mpi-scaling.js [--passes 3] [--models lenet5,resnet20]
// Data: the real MNIST training set (lenet5: the first 60,000 images; resnet20: the first 2,560,
// adapted to its 3x32x32 input), 500 test images, batch 64, 1 epoch, seed 1. images/s is the
// epoch line's training throughput (rank 0 reports the whole job's). Also prints each run's
// final train loss, which must agree between the rows (synchronized batch norm for resnet20).
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const root = path.join(__dirname, '..');
const { smallMnist } = require(path.join(root, 'dist', 'test', 'cli', 'small-mnist.js'));

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const passes = Number(option('--passes', '3'));
const models = option('--models', 'lenet5,resnet20').split(',');
const limits = { lenet5: 60000, resnet20: 2560 };
const data = smallMnist(60000, 500, 'cnn-scaling-');
const cnn = path.join(root, 'bin', 'cnn');
const mpiEnv = { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };

const rows = [
  { name: '1 process, 1 thread', launch: [], threads: 1 },
  { name: '1 process, 2 threads', launch: [], threads: 2 },
  { name: '2 ranks, 1 thread each', launch: ['mpirun', '--oversubscribe', '-np', '2'], threads: 1, distributed: true },
];

function run(model, row) {
  const args = [
    'train',
    model,
    '--data',
    data,
    '--limit',
    String(limits[model] ?? 6400),
    '--epochs',
    '1',
    '--batch-size',
    '64',
    '--seed',
    '1',
    '--threads',
    String(row.threads),
    '--augment',
    'none',
    '--checkpoint-every',
    '0',
    '--out',
    path.join(data, `${model}.safetensors`),
    ...(row.distributed ? ['--distributed'] : []),
  ];
  const argv = [...row.launch, process.execPath, cnn, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...mpiEnv } });
  const line = /epoch 1\/1: train loss (\d+\.\d+).*\| ([\d,]+) img\/s/.exec(r.stdout);
  if (r.status !== 0 || !line) throw new Error(`${argv.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return { imagesPerSecond: Number(line[2].replace(/,/g, '')), loss: line[1] };
}

const results = new Map(); // model/row -> runs
for (let p = 0; p < passes; p++)
  for (const model of models)
    for (const row of rows) {
      const key = `${model}/${row.name}`;
      if (!results.has(key)) results.set(key, []);
      results.get(key).push(run(model, row));
    }

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => x.toLocaleString('en-US');
console.log(`${passes} passes, rows alternated; ${new Date().toISOString().slice(0, 16)} UTC`);
console.log(
  `| run | ${models.map((m) => `${m} images/s (range)`).join(' | ')} | ${models.map((m) => `${m} train loss`).join(' | ')} |`,
);
console.log(`| --- | ${models.map(() => '---').join(' | ')} | ${models.map(() => '---').join(' | ')} |`);
for (const row of rows) {
  const cells = models.map((m) => {
    const ips = results.get(`${m}/${row.name}`).map((r) => r.imagesPerSecond);
    return `${fmt(median(ips))} (${fmt(Math.min(...ips))} to ${fmt(Math.max(...ips))})`;
  });
  const losses = models.map((m) => [...new Set(results.get(`${m}/${row.name}`).map((r) => r.loss))].join(', '));
  console.log(`| ${row.name} | ${cells.join(' | ')} | ${losses.join(' | ')} |`);
}
