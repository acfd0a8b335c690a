// Training runs stopped by signals, as a user or a batch scheduler stops them: SIGINT saves a
// checkpoint and resumes to the same weights; SIGKILL loses at most --checkpoint-every of
// work. In the full tier (npm run test:all): each trains and retrains lenet5 on 20,000 to
// 60,000 images, and the kill's timing needs a first epoch long enough to land in.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, startCli, tempDir } from './run-cli';
import { sameTensors } from './same-tensors';

test('SIGINT during training saves a checkpoint, exits 130, and the run resumes to the same weights', async () => {
  const dir = tempDir();
  const common = ['--limit', '20000', '--batch-size', '32', '--threads', '2', '--seed', '3', '--epochs', '2'];
  const interrupted = path.join(dir, 'interrupted.safetensors');
  let sent = false;
  const r = await startCli(['train', 'lenet5', ...common, '--out', interrupted], {
    onStdout: (text, child) => {
      if (!sent && /sgd:/.test(text)) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    },
  });
  assert.ok(sent);
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stdout, /resume with: cnn train lenet5 --resume/);
  assert.ok(fs.existsSync(interrupted));
  const resumed = runCli(['train', 'lenet5', '--resume', interrupted, '--threads', '2']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const whole = path.join(dir, 'whole.safetensors');
  assert.equal(runCli(['train', 'lenet5', ...common, '--out', whole]).status, 0);
  sameTensors(whole, interrupted);
});

test('SIGKILL mid-epoch loses at most --checkpoint-every of work, and the run resumes to the same weights', async () => {
  const dir = tempDir();
  // A first epoch long enough (60,000 images: over 0.5 s even at 100,000 images/s) that the
  // kill, at most 0.47 s after training starts, lands inside it: with 20,000 images the
  // faster kernels sometimes finished the epoch first and the resume began at epoch 2.
  const common = ['--limit', '60000', '--batch-size', '32', '--threads', '2', '--seed', '5', '--epochs', '2'];
  const killed = path.join(dir, 'killed.safetensors');
  let killedAt = -1;
  const r = await startCli(['train', 'lenet5', ...common, '--out', killed, '--checkpoint-every', '200ms'], {
    onStdout: (text, child) => {
      if (killedAt < 0 && /sgd:/.test(text)) {
        killedAt = 0;
        // Kill once a mid-epoch checkpoint exists, at a moment unrelated to the writes.
        const poll = setInterval(() => {
          if (fs.existsSync(killed)) {
            clearInterval(poll);
            setTimeout(
              () => {
                killedAt = Date.now();
                child.kill('SIGKILL');
              },
              100 + Math.floor(Math.random() * 150),
            );
          }
        }, 20);
      }
    },
  });
  assert.equal(r.signal, 'SIGKILL', `the run ended by itself (${r.status}) before it could be killed`);
  const resumed = runCli(['train', 'lenet5', '--resume', killed, '--threads', '2']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming from .* at epoch 1, step [1-9]/);
  const whole = path.join(dir, 'whole.safetensors');
  assert.equal(runCli(['train', 'lenet5', ...common, '--out', whole, '--checkpoint-every', '0']).status, 0);
  sameTensors(whole, killed);
});
