// cnn plot reads only what a metrics log can be: a regular file of bounded size, refused from
// its size before any of it is read.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MAX_METRICS_BYTES, readMetrics } from '../../src/viz/plot-data';
import { runCli, tempDir } from '../cli/run-cli';

test('a metrics log larger than the limit is refused from its size, by readMetrics and by cnn plot', () => {
  const dir = tempDir();
  const big = path.join(dir, 'big.jsonl');
  // A sparse file: its size is all that matters, and it takes no disk space.
  const fd = fs.openSync(big, 'w');
  fs.ftruncateSync(fd, MAX_METRICS_BYTES + 1);
  fs.closeSync(fd);
  const started = Date.now();
  assert.throws(() => readMetrics(big), /more than a metrics log can have/);
  assert.ok(Date.now() - started < 1000, 'refused without reading the file');
  const r = runCli(['plot', big, '--out', path.join(dir, 'curves.svg')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^cnn: error: .*big\.jsonl has 67,108,865 bytes, more than a metrics log can have/m);
  assert.equal(fs.existsSync(path.join(dir, 'curves.svg')), false);
});

test('a directory given as the metrics log is named as one, and a FIFO is not read', () => {
  const dir = tempDir();
  assert.throws(() => readMetrics(dir), /cannot read .*: it is a directory/);
  const fifo = path.join(dir, 'pipe.jsonl');
  if (spawnSync('mkfifo', [fifo]).status === 0) assert.throws(() => readMetrics(fifo), /is not a regular file/);
});
