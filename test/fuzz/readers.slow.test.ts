// Fuzzing the file readers (IDX, CIFAR-10 batches, safetensors checkpoints) and the two JSON
// inputs behind them (model files, a checkpoint's metadata): for each,
// a child process (fuzz-runner.ts) first replays the committed corpus in test/fuzz/corpus/<reader>/,
// then mutates valid files for a bounded time. CNN_FUZZ_SECONDS sets the total time (default
// 20 s, split between the readers), CNN_FUZZ_SEED the seed (default: a new one each run,
// printed). A failing input is added to the corpus, to be committed as a regression case.
// Also here: sparse files whose size claims 2^40 bytes fail with our error before allocating.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readIdx } from '../../src/data/idx';
import { readCifarBatches } from '../../src/data/cifar';
import { DataError } from '../../src/data/errors';
import { readSafetensors, CheckpointError } from '../../src/model/checkpoint';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CORPUS = path.join(ROOT, 'test', 'fuzz', 'corpus');
const RUNNER = path.join(__dirname, 'fuzz-runner.js');
const READERS = ['idx', 'cifar', 'checkpoint', 'model', 'metadata'] as const;
/** Cases a second a run must reach: the JSON-level targets parse, check and plan a model in each case. */
const MIN_CASES_PER_SECOND: Record<(typeof READERS)[number], number> = {
  idx: 200,
  cifar: 200,
  checkpoint: 200,
  model: 100,
  metadata: 100,
};
const TOTAL_SECONDS = Number(process.env.CNN_FUZZ_SECONDS ?? 20);
const SEED =
  process.env.CNN_FUZZ_SEED !== undefined ? Number(process.env.CNN_FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const REPRODUCE = `reproduce with CNN_FUZZ_SEED=${SEED}`;

interface Summary {
  replayed: number;
  cases: number;
  valid: number;
  loaded: number;
  refused: number;
  failures: number;
  seconds: number;
}

for (const reader of READERS) {
  const seconds = TOTAL_SECONDS / READERS.length;
  test(`${reader} reader: the corpus replays and ${seconds.toFixed(1)} s of mutated files load exactly or fail with our error (seed ${SEED})`, (t) => {
    // Thousands of small files are written: in memory (/dev/shm) where there is one.
    const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
    const work = fs.mkdtempSync(path.join(base, `cnn-fuzz-${reader}-`));
    try {
      const r = spawnSync(process.execPath, [RUNNER, reader, String(seconds), String(SEED), CORPUS, work], {
        encoding: 'utf8',
        timeout: Math.round((seconds + 30) * 1000),
        maxBuffer: 64 * 1024 * 1024,
      });
      if (r.status !== 0) {
        // A crash, an abort or a hang: keep the input the runner was on.
        const left = fs.readdirSync(work).find((n) => n.startsWith('case'));
        let saved = 'no input left behind';
        if (left) {
          const dir = path.join(CORPUS, reader);
          fs.mkdirSync(dir, { recursive: true });
          saved = path.join(dir, `crash-${SEED}${left.slice('case'.length)}`);
          fs.copyFileSync(path.join(work, left), saved);
        }
        assert.fail(
          `the fuzz runner ended with status ${r.status}, signal ${r.signal} (${r.error?.message ?? 'no spawn error'}); input kept as ${saved}; ${REPRODUCE}\n${r.stderr.slice(-2000)}`,
        );
      }
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const failures = lines.filter((l) => l.type === 'failure');
      const summary = lines.find((l) => l.type === 'summary') as Summary;
      t.diagnostic(`${reader}: ${JSON.stringify(summary)}`);
      assert.deepEqual(
        failures,
        [],
        `${failures.length} failing inputs (kept in ${path.join(CORPUS, reader)}); ${REPRODUCE}`,
      );
      // The run must have exercised the reader: many cases, valid files loaded, bad ones refused.
      assert.ok(summary.cases >= MIN_CASES_PER_SECOND[reader] * seconds, `only ${summary.cases} cases in ${seconds} s`);
      assert.ok(
        summary.valid > 0 && summary.loaded >= summary.valid,
        `valid files: ${summary.valid}, loaded: ${summary.loaded}`,
      );
      assert.ok(summary.refused > summary.cases / 4, `only ${summary.refused} of ${summary.cases} cases were refused`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

/** A sparse file: `size` bytes on paper, only `head` written. */
function sparseFile(dir: string, name: string, head: Buffer, size: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, head);
  fs.truncateSync(file, size);
  return file;
}

test('files whose header or size claims 2^40 bytes fail with our error, quickly and before allocating', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-fuzz-huge-'));
  const TB = 2 ** 40;
  const expect = (
    load: () => unknown,
    errorClass: typeof DataError | typeof CheckpointError,
    file: string,
    pattern: RegExp,
  ) => {
    const started = Date.now();
    assert.throws(load, (e: unknown) => {
      assert.ok(
        e instanceof errorClass,
        `expected ${errorClass.name}, got ${(e as Error).name}: ${(e as Error).message}`,
      );
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, pattern);
      return true;
    });
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  };
  try {
    // IDX: a 16-byte header claiming 2^20 x 2^10 x 2^10 images in a small file, and a sparse 1 TB file.
    const header = Buffer.alloc(16);
    header[2] = 0x08;
    header[3] = 3;
    header.writeUInt32BE(2 ** 20, 4);
    header.writeUInt32BE(2 ** 10, 8);
    header.writeUInt32BE(2 ** 10, 12);
    const claim = path.join(dir, 'claim-idx3-ubyte');
    fs.writeFileSync(claim, Buffer.concat([header, Buffer.alloc(784)]));
    expect(
      () => readIdx(claim),
      DataError,
      claim,
      /truncated: dimensions 1048576x1024x1024 need 1099511627776 data bytes, found 784/,
    );
    const sparseIdx = sparseFile(dir, 'sparse-idx3-ubyte', header, 16 + TB);
    expect(() => readIdx(sparseIdx), DataError, sparseIdx, /cannot read/);

    // CIFAR-10: a sparse batch of whole records adding up to about 1 TB.
    const records = Math.floor(TB / 3073);
    const sparseCifar = sparseFile(dir, 'data_batch_1.bin', Buffer.from([3]), records * 3073);
    expect(() => readCifarBatches([sparseCifar]), DataError, sparseCifar, /more than can be loaded/);

    // Checkpoint: a header declaring one 2^38-float tensor over a sparse 1 TB data buffer.
    const json = Buffer.from(
      JSON.stringify({ w: { dtype: 'F32', shape: [2 ** 38], data_offsets: [0, TB] } }).padEnd(64),
    );
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(json.length));
    const sparseCkpt = sparseFile(dir, 'huge.safetensors', Buffer.concat([prefix, json]), 8 + json.length + TB);
    expect(() => readSafetensors(sparseCkpt), CheckpointError, sparseCkpt, /more than can be allocated/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
