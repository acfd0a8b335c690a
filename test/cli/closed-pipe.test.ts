// `cnn train ... | head -1`: the reader closes the pipe after one line; the run must go on
// to the end and write its checkpoint instead of dying on EPIPE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CNN } from './run-cli';
import { writeTinyDataset, writeTinyModel } from './tiny-dataset';

test('a closed stdout pipe does not stop training', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-pipe-'));
  try {
    writeTinyDataset(dir, { train: 200, test: 50 });
    const model = writeTinyModel(dir, 'pipe-net', 4);
    const out = path.join(dir, 'pipe-net.safetensors');
    // head exits after the first line; everything cnn prints after that hits a closed pipe.
    const script =
      `"${process.execPath}" "${CNN}" train "${model}" --data "${dir}" --epochs 40 --batch-size 16 ` +
      `--out "${out}" --threads 1 | head -n 1; echo "status=\${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 120000 });
    assert.match(r.stderr, /status=0/, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Error/, r.stderr);
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
    assert.ok(fs.existsSync(out), 'the checkpoint was written');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
