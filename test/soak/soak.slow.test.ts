// Soak test: `cnn train` runs 200 short epochs on a tiny dataset (96 28x28 images in the IDX
// format, written here; a small JSON model with conv, batch norm, pooling, dropout and dense
// layers; 6 steps per epoch, a test evaluation and an atomic checkpoint write per epoch), and
// the child's resident memory (VmRSS from /proc) is sampled at every epoch line. After warm-up
// it must stay flat: a leak of one input batch (16 x 1x28x28 floats, 50 KB) per step adds
// about 50 MB between epoch 20 and epoch 200 (measured with such a leak injected: docs/testing.md).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { CNN, tempDir } from '../cli/run-cli';
import { writeTinyDataset, writeTinyModel } from '../cli/tiny-dataset';

const EPOCHS = 200;
const WARM_UP_EPOCH = 20;
/** Allowed RSS growth from warm-up to the end: without a leak 0.5 to 5 MB was measured (docs/testing.md). */
const MAX_GROWTH_BYTES = 10 * 1024 * 1024;

function residentBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null; // the process has just exited
  }
}

/**
 * V8 grows its young generation (up to 16 MB per semi-space) while the process runs, which
 * showed as RSS creeping up 4-5 MB over the first ~100 epochs. Fixing it at 1 MB keeps the RSS
 * closer to what is live (measured growth 0.5-5 MB, from old-space pages), so a leak stands out.
 */
const NODE_FLAGS = ['--max-semi-space-size=1'];

/** Runs cnn with NODE_FLAGS; `onEpoch(n, pid)` is called as each epoch line arrives. */
function runTrain(
  args: string[],
  onEpoch: (epoch: number, pid: number) => void,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, CNN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const m = /^epoch (\d+)\//.exec(line);
        if (m) onEpoch(Number(m[1]), child.pid!);
      }
    });
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test(
  `${EPOCHS} short epochs of cnn train keep resident memory flat after warm-up`,
  { skip: fs.existsSync('/proc/self/status') ? false : "needs /proc to read the child's VmRSS" },
  async (t) => {
    const dir = tempDir('cnn-soak-');
    writeTinyDataset(dir, { train: 96, test: 20 });
    const model = writeTinyModel(dir, 'soak-net', 4);
    const rss = new Map<number, number>();
    const r = await runTrain(
      [
        'train',
        model,
        '--data',
        dir,
        '--epochs',
        String(EPOCHS),
        '--batch-size',
        '16',
        '--lr',
        '0.01',
        '--threads',
        '2',
        '--out',
        path.join(dir, 'soak.safetensors'),
      ],
      (epoch, pid) => {
        const bytes = residentBytes(pid);
        if (bytes !== null) rss.set(epoch, bytes);
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`epoch ${EPOCHS}/${EPOCHS}`));
    const at = (from: number, to: number) => [...rss].filter(([e]) => e >= from && e <= to).map(([, b]) => b);
    const early = at(WARM_UP_EPOCH, WARM_UP_EPOCH + 9);
    const late = at(EPOCHS - 19, EPOCHS);
    assert.ok(
      early.length >= 5 && late.length >= 5,
      `too few samples: ${early.length} after warm-up, ${late.length} at the end`,
    );
    t.diagnostic(
      `RSS (MB) by epoch: ` +
        [...rss]
          .filter(([e]) => e % 10 === 0)
          .map(([e, b]) => `${e}:${(b / 1048576).toFixed(1)}`)
          .join(' '),
    );
    const growth = median(late) - median(early);
    const mb = (b: number) => (b / 1048576).toFixed(2);
    t.diagnostic(
      `RSS at epoch ${WARM_UP_EPOCH}..${WARM_UP_EPOCH + 9}: ${mb(median(early))} MB, at ${EPOCHS - 19}..${EPOCHS}: ${mb(median(late))} MB, growth ${mb(growth)} MB, peak ${mb(Math.max(...rss.values()))} MB`,
    );
    assert.ok(
      growth < MAX_GROWTH_BYTES,
      `resident memory grew by ${mb(growth)} MB between epoch ${WARM_UP_EPOCH} and epoch ${EPOCHS} (limit ${mb(MAX_GROWTH_BYTES)} MB): a leak`,
    );
  },
);
