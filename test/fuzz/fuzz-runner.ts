// The fuzz loop for one reader, run in a child process by readers.slow.test.ts so that a crash,
// an out-of-memory abort or a hang fails the test instead of killing the test runner:
//   node fuzz-runner.js <idx|cifar|checkpoint|model|metadata> <seconds> <seed> <corpus dir> <work dir>
// First replays every file in <corpus dir>/<reader>/, then makes cases from the seed until
// the time is up. Case i draws everything from a generator seeded with (seed, i), so a
// failure is reproduced by running again with the same seed. Every case must either load
// exactly what the bytes say or throw the reader's own error naming the file, allocate no
// more than twice what the file's size suggests (plus 64 KiB), and finish within a second.
// A failing input is written to the corpus (it becomes a regression case) and reported as a
// JSON line; the last line is a JSON summary.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { installAllocationMeter, resetAllocations, allocations } from './allocation-meter';

installAllocationMeter(); // before the readers are loaded (see allocation-meter.ts)

/* eslint-disable @typescript-eslint/no-require-imports */
import type { FuzzTarget } from './target';
const { Rng } = require('../../src/train/rng') as typeof import('../../src/train/rng');
const targets: Record<string, FuzzTarget> = {
  idx: (require('./idx-target') as typeof import('./idx-target')).idxTarget,
  cifar: (require('./cifar-target') as typeof import('./cifar-target')).cifarTarget,
  checkpoint: (require('./checkpoint-target') as typeof import('./checkpoint-target')).checkpointTarget,
  model: (require('./model-target') as typeof import('./model-target')).modelTarget,
  metadata: (require('./metadata-target') as typeof import('./metadata-target')).metadataTarget,
};

const SLACK_BYTES = 64 * 1024;
const CASE_TIME_LIMIT_MS = 1000;
const MAX_FAILURES = 20;
const MAX_CORPUS_FILE = 1 << 20;

const [readerName, secondsText, seedText, corpusRoot, workDir] = process.argv.slice(2);
const target = targets[readerName];
if (!target) throw new Error(`fuzz-runner: unknown reader ${readerName}; expected ${Object.keys(targets).join(', ')}`);
const seed = Number(seedText) >>> 0;
const corpusDir = path.join(corpusRoot, target.name);

/** The generator seed of case i: a hash of the run's seed and the index. */
function caseSeed(i: number): number {
  let h = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

let casePath = '';
/** Writes the case where the parent finds it if this process dies or hangs on it. */
function writeCase(bytes: Buffer, ext: string): string {
  const next = path.join(workDir, `case${ext}`);
  if (casePath && casePath !== next) fs.rmSync(casePath, { force: true });
  casePath = next;
  fs.writeFileSync(next, bytes);
  return next;
}

/** Runs the reader on the file: what it returned or threw, how long it took, what it allocated. */
function load(file: string): {
  result: unknown;
  error: unknown;
  elapsed: number;
  used: { total: number; largest: number };
} {
  resetAllocations();
  const started = Date.now();
  let result: unknown;
  let error: unknown = null;
  try {
    result = target.load(file);
  } catch (e) {
    error = e;
  }
  return { result, error, elapsed: Date.now() - started, used: allocations() };
}

/** Null when the reader handled the file correctly, else what went wrong. */
function check(bytes: Buffer, ext: string, mustLoad: boolean): { problem: string | null; loaded: boolean } {
  const file = writeCase(bytes, ext);
  const { result, error, used, elapsed: firstElapsed } = load(file);
  let elapsed = firstElapsed;
  // A slow case is timed again, so that a busy machine's pause is not taken for a hang.
  if (elapsed > CASE_TIME_LIMIT_MS) elapsed = Math.min(elapsed, load(file).elapsed);
  const allowed = 2 * target.allowance(bytes, ext) + SLACK_BYTES;
  if (used.total > allowed) {
    return {
      problem: `allocated ${used.total} bytes (largest ${used.largest}) for a ${bytes.length}-byte file; at most ${allowed} allowed`,
      loaded: !error,
    };
  }
  if (elapsed > CASE_TIME_LIMIT_MS) return { problem: `took ${elapsed} ms`, loaded: !error };
  if (error !== null) {
    if (!(error instanceof target.errorClass)) {
      const e = error as Error;
      return {
        problem: `threw ${e?.name ?? typeof error} instead of ${target.errorClass.name}: ${String(e?.message ?? error).slice(0, 300)}`,
        loaded: false,
      };
    }
    if (!error.message.includes(file))
      return { problem: `the message does not name the file: ${error.message.slice(0, 300)}`, loaded: false };
    if (mustLoad) return { problem: `a valid file was refused: ${error.message.slice(0, 300)}`, loaded: false };
    return { problem: null, loaded: false };
  }
  return { problem: target.checkLoaded(result, bytes, ext), loaded: true };
}

/** Keeps a failing input as a regression case (named by its hash, so it is kept once). */
function saveToCorpus(bytes: Buffer, ext: string): string | null {
  if (bytes.length > MAX_CORPUS_FILE) return null;
  fs.mkdirSync(corpusDir, { recursive: true });
  const file = path.join(corpusDir, crypto.createHash('sha1').update(bytes).digest('hex').slice(0, 16) + ext);
  fs.writeFileSync(file, bytes);
  return file;
}

function report(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

const started = Date.now();
let failures = 0;
let replayed = 0;
const corpusFiles = fs.existsSync(corpusDir) ? fs.readdirSync(corpusDir).sort() : [];
for (const name of corpusFiles) {
  const bytes = fs.readFileSync(path.join(corpusDir, name));
  const ext = name.includes('.') ? name.slice(name.indexOf('.')) : '';
  const { problem } = check(bytes, ext, false);
  replayed++;
  if (problem) {
    failures++;
    report({ type: 'failure', reader: target.name, replay: path.join(corpusDir, name), problem });
  }
}

const deadline = Date.now() + Number(secondsText) * 1000;
let cases = 0;
let loaded = 0;
let valid = 0;
for (let i = 0; Date.now() < deadline && failures < MAX_FAILURES; i++) {
  const c = target.makeCase(new Rng(caseSeed(i)));
  const mustLoad = c.mutations.length === 0;
  const outcome = check(c.bytes, c.ext, mustLoad);
  cases++;
  if (outcome.loaded) loaded++;
  if (mustLoad) valid++;
  if (outcome.problem) {
    failures++;
    const saved = saveToCorpus(c.bytes, c.ext);
    report({
      type: 'failure',
      reader: target.name,
      seed,
      case: i,
      mutations: c.mutations,
      problem: outcome.problem,
      saved,
    });
  }
}
if (casePath) fs.rmSync(casePath, { force: true });
report({
  type: 'summary',
  reader: target.name,
  seed,
  replayed,
  cases,
  valid,
  loaded,
  refused: cases - loaded,
  failures,
  seconds: (Date.now() - started) / 1000,
});
