// Two runs on the same --out: the second refuses while the first holds the lock (naming its
// pid), a lock left by a dead process is taken over, and the lock goes away when the run
// ends, including by a signal. SIGHUP (a closed terminal) stops a run as SIGINT does: the
// step is finished and the checkpoint saved.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, startCli, tempDir } from './run-cli';
import { writeTinyDataset, writeTinyModel } from './tiny-dataset';

function setUp(): { dir: string; model: string; common: string[] } {
  const dir = tempDir('cnn-lock-');
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  writeTinyDataset(data, { train: 32, test: 8 });
  const model = writeTinyModel(dir, 'tiny', 2);
  return { dir, model, common: ['--data', data, '--batch-size', '16', '--threads', '1'] };
}

test('a second run on the same --out refuses while the first runs, naming its pid; the lock goes when the first is interrupted', async () => {
  const { dir, model, common } = setUp();
  const out = path.join(dir, 'shared.safetensors');
  let second: ReturnType<typeof runCli> | null = null;
  let firstPid = 0;
  // Far more epochs than the test waits for: SIGINT ends the first run.
  const first = await startCli(['train', model, ...common, '--epochs', '100000', '--out', out], {
    onStdout: (text, child) => {
      if (second === null && /^epoch 1\//m.test(text)) {
        firstPid = child.pid!;
        second = runCli(['train', model, ...common, '--epochs', '1', '--out', out]);
        child.kill('SIGINT');
      }
    },
  });
  assert.ok(second, 'the second run was started while the first trained');
  const r = second as ReturnType<typeof runCli>;
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`cnn: error: --out .*shared\\.safetensors is being written by another cnn run \\(pid ${firstPid} `),
  );
  assert.doesNotMatch(r.stdout, /^epoch /m);
  assert.equal(first.status, 130, first.stderr);
  assert.equal(fs.existsSync(`${out}.lock`), false, 'the lock is released on SIGINT');
  // Now the file is free again.
  assert.equal(runCli(['train', model, ...common, '--epochs', '1', '--out', out]).status, 0);
  assert.equal(fs.existsSync(`${out}.lock`), false);
});

test('a lock left by a process that is gone is taken over', () => {
  const { dir, model, common } = setUp();
  const out = path.join(dir, 'stale.safetensors');
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  fs.writeFileSync(
    `${out}.lock`,
    JSON.stringify({ pid: dead, hostname: os.hostname(), started: new Date().toISOString() }),
  );
  const r = runCli(['train', model, ...common, '--epochs', '1', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(out));
  assert.equal(fs.existsSync(`${out}.lock`), false);
});

test('SIGHUP during training finishes the step, saves the checkpoint and exits 129', async () => {
  const { dir, model, common } = setUp();
  const out = path.join(dir, 'hup.safetensors');
  let sent = false;
  const r = await startCli(['train', model, ...common, '--epochs', '100000', '--out', out], {
    onStdout: (text, child) => {
      if (!sent && /^epoch 1\//m.test(text)) {
        sent = true;
        child.kill('SIGHUP');
      }
    },
  });
  assert.ok(sent);
  assert.equal(r.status, 129, r.stderr);
  assert.match(r.stderr, /SIGHUP: finishing the current step and saving/);
  assert.match(r.stdout, /interrupted: checkpoint saved to .*hup\.safetensors/);
  assert.match(r.stdout, /resume with: cnn train tiny --resume/);
  assert.equal(fs.existsSync(`${out}.lock`), false);
  const evaluated = runCli(['eval', out, '--threads', '1']);
  assert.equal(evaluated.status, 0, evaluated.stderr);
});
