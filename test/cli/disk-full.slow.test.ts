// A disk that fills up during training, for real: the checkpoint write fails midway, the run
// exits 1 with a message that names the file and says the disk is full, the previous
// checkpoint is left byte for byte as it was (and still resumes), and no temp file is left.
// Two ways to fill the disk: a file-size limit (`ulimit -f` in bash; Node ignores SIGXFSZ,
// so write() returns EFBIG), which works anywhere bash does, and a small tmpfs (ENOSPC),
// which needs permission to mount (root in CI) and is skipped with the reason otherwise.
// Also: an output path that cannot be written fails before training starts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CNN, runCli, tempDir, type CliResult } from './run-cli';
import { writeTinyDataset, writeTinyModel } from './tiny-dataset';

/** A dataset and a model whose checkpoint (with momentum) is about 250 KB. */
function setUp(): { dir: string; model: string; common: string[] } {
  const dir = tempDir('cnn-disk-full-');
  writeTinyDataset(dir, { train: 64, test: 10 });
  const model = writeTinyModel(dir, 'disk-net', 16);
  return { dir, model, common: ['--data', dir, '--batch-size', '16', '--threads', '2', '--seed', '4'] };
}

/** Runs cnn through bash with a file-size limit of `kilobytes` for everything it writes. */
function runLimited(kilobytes: number, args: string[]): CliResult {
  const quoted = [process.execPath, CNN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -f ${kilobytes} && exec ${quoted}`], {
    encoding: 'utf8',
    timeout: 120000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function tempFilesIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.includes('.tmp-'));
}

const bashAvailable = spawnSync('bash', ['-c', 'ulimit -f 1000'], { encoding: 'utf8' }).status === 0;

test(
  'a checkpoint write cut short by a file-size limit (EFBIG) keeps the previous checkpoint and exits 1',
  { skip: bashAvailable ? false : 'needs bash for ulimit -f' },
  () => {
    const { dir, model, common } = setUp();
    const out = path.join(dir, 'run.safetensors');
    const first = runCli(['train', model, ...common, '--epochs', '1', '--out', out]);
    assert.equal(first.status, 0, first.stderr);
    const before = fs.readFileSync(out);
    assert.ok(
      before.length > 100 * 1024,
      `the checkpoint is ${before.length} bytes; the limit below must cut it midway`,
    );

    // A limit of half the checkpoint: the next write fails part way through the file.
    const r = runLimited(Math.floor(before.length / 2048), [
      'train',
      model,
      '--resume',
      out,
      '--epochs',
      '2',
      '--threads',
      '2',
    ]);
    assert.equal(r.status, 1, `status ${r.status}, signal ${r.signal}\n${r.stderr}`);
    assert.match(r.stdout, /epoch 2\/2/, 'the epoch ran; its checkpoint write failed');
    assert.match(r.stderr, new RegExp(`cannot write checkpoint ${out}: file too large: the disk is full`));
    assert.match(r.stderr, new RegExp(`the previous ${out} is unchanged`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(fs.readFileSync(out).equals(before), 'the previous checkpoint is byte for byte as it was');
    assert.deepEqual(tempFilesIn(dir), [], 'no temp file is left behind');

    // With the limit gone, the same command resumes from the kept checkpoint.
    const again = runCli(['train', model, '--resume', out, '--epochs', '2', '--threads', '2']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /resuming from .* at epoch 2, step 0/);
  },
);

/** Mounts a tmpfs of `kilobytes` on a new directory, or returns why it cannot. */
function mountTmpfs(kilobytes: number): { dir: string } | { reason: string } {
  if (process.platform !== 'linux') return { reason: 'tmpfs is Linux only' };
  const dir = tempDir('cnn-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kilobytes}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0)
    return {
      reason: `cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim() || `status ${r.status}`})`,
    };
  return { dir };
}

const probe = mountTmpfs(4096);
if ('dir' in probe) spawnSync('umount', [probe.dir]);

test(
  'a checkpoint write on a full file system (ENOSPC) keeps the previous checkpoint and exits 1',
  { skip: 'reason' in probe ? probe.reason : false },
  () => {
    const { model, common } = setUp();
    const mounted = mountTmpfs(4096);
    assert.ok('dir' in mounted, 'reason' in mounted ? mounted.reason : '');
    try {
      const out = path.join(mounted.dir, 'run.safetensors');
      const first = runCli(['train', model, ...common, '--epochs', '1', '--out', out]);
      assert.equal(first.status, 0, first.stderr);
      const before = fs.readFileSync(out);
      // Fill the file system until only half a checkpoint fits.
      const free = Number(fs.statfsSync(mounted.dir).bavail) * fs.statfsSync(mounted.dir).bsize;
      fs.writeFileSync(
        path.join(mounted.dir, 'filler'),
        Buffer.alloc(Math.max(0, free - Math.floor(before.length / 2))),
      );

      const r = runCli(['train', model, '--resume', out, '--epochs', '2', '--threads', '2']);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`cannot write checkpoint ${out}: no space left on the device \\(the disk is full\\)`),
      );
      assert.match(r.stderr, new RegExp(`the previous ${out} is unchanged`));
      assert.ok(fs.readFileSync(out).equals(before), 'the previous checkpoint is byte for byte as it was');
      assert.deepEqual(tempFilesIn(mounted.dir), [], 'no temp file is left behind');

      fs.rmSync(path.join(mounted.dir, 'filler'));
      const again = runCli(['train', model, '--resume', out, '--epochs', '2', '--threads', '2']);
      assert.equal(again.status, 0, again.stderr);
    } finally {
      spawnSync('umount', [mounted.dir]);
    }
  },
);

test('an output path that cannot be written fails before training starts', () => {
  const { dir, model, common } = setUp();
  const missing = path.join(dir, 'no-such-dir', 'run.safetensors');
  const r = runCli(['train', model, ...common, '--epochs', '1', '--out', missing]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /--out: cannot write .*no-such-dir.*: the directory .*no-such-dir does not exist/);
  assert.doesNotMatch(r.stdout, /^epoch /m, 'no training happened');

  const r2 = runCli(['train', model, ...common, '--epochs', '1', '--out', dir]);
  assert.equal(r2.status, 1, r2.stderr);
  assert.match(r2.stderr, /--out: .* is a directory/);
  assert.doesNotMatch(r2.stdout, /^epoch /m, 'no training happened');
});
