// An image folder whose decoded pixels exceed the in-memory limit trains with bounded memory:
// the images are read from the cache file as batches need them. The limit is forced down
// (CNN_IMAGE_MEMORY_MB=1) so a few thousand small JPEGs stand in for a folder larger than
// memory, and the same run with the images in memory is the comparison: the peak RSS of
// the child (its own maxRSS, printed at exit by a preloaded hook) must stay well below it.
// About 20-30 s on a busy two-core machine, most of it decoding 6,000 JPEGs once into the cache.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { CNN, ROOT, tempDir } from './run-cli';

const IMAGES = 6000;
const SHAPE = [3, 64, 64];

function peakRssMb(
  args: string[],
  env: NodeJS.ProcessEnv,
  hook: string,
): { mb: number; stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--require', hook, CNN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 180000,
  });
  const m = /peak-rss-kb (\d+)/.exec(r.stderr);
  assert.ok(m, r.stderr);
  return { mb: Number(m[1]) / 1024, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

test('resnet20 on a folder larger than the in-memory limit reads images from the cache with bounded RSS', async (t) => {
  const dir = tempDir('cnn-many-jpegs-');
  const colours = await Promise.all(
    [0, 1].map((c) =>
      sharp({ create: { width: 64, height: 64, channels: 3, background: c ? '#c04020' : '#2080c0' } })
        .jpeg()
        .toBuffer(),
    ),
  );
  for (const [c, name] of ['red', 'blue'].entries()) {
    fs.mkdirSync(path.join(dir, name));
    for (let i = 0; i < IMAGES / 2; i++) fs.writeFileSync(path.join(dir, name, `${i}.jpg`), colours[c]);
  }
  const hook = path.join(tempDir(), 'peak-rss.js');
  fs.writeFileSync(
    hook,
    "process.on('exit', () => require('fs').writeSync(2, 'peak-rss-kb ' + process.resourceUsage().maxRSS + '\\n'));\n",
  );
  const cacheDir = tempDir('cnn-cache-');
  // A few steps, not an epoch: --limit 64 with batches of 16; a small test split.
  const args = [
    'train',
    'resnet20',
    '--data',
    dir,
    '--input',
    SHAPE.join(','),
    '--cache-dir',
    cacheDir,
    '--test-split',
    '0.02',
    '--limit',
    '64',
    '--batch-size',
    '16',
    '--epochs',
    '1',
    '--threads',
    '1',
    '--out',
    path.join(tempDir(), 'run.safetensors'),
  ];
  const inMemory = peakRssMb(args, {}, hook);
  assert.equal(inMemory.status, 0, inMemory.stderr);
  const onDisk = peakRssMb(args, { CNN_IMAGE_MEMORY_MB: '1' }, hook);
  assert.equal(onDisk.status, 0, onDisk.stderr);
  assert.match(onDisk.stdout, /reading cached images from/);
  assert.match(onDisk.stdout, /images read from the cache as batches need them/);
  t.diagnostic(
    `peak RSS: ${inMemory.mb.toFixed(0)} MB with the images in memory, ${onDisk.mb.toFixed(0)} MB reading them from the cache`,
  );
  const cacheMb = (IMAGES * SHAPE[0] * SHAPE[1] * SHAPE[2]) / 2 ** 20;
  assert.ok(
    onDisk.mb < inMemory.mb - cacheMb / 2,
    `peak RSS ${onDisk.mb.toFixed(0)} MB from disk vs ${inMemory.mb.toFixed(0)} MB in memory (cache ${cacheMb.toFixed(0)} MB)`,
  );
  assert.ok(onDisk.mb < 600, `peak RSS ${onDisk.mb.toFixed(0)} MB`);
});
