// The one writer of cnn (src/io/atomic-write.ts) and its target rule (src/io/write-target.ts):
// a replace is all or nothing, a failed write (a file-size limit cutting it midway, as a full
// disk does) leaves the old file byte for byte and no temporary file, and only regular files
// (or absent ones) that are writable are ever written: devices, FIFOs, directories and
// read-only files are refused and left as they were.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir as makeTempDir } from '../temp-dir';
import { appendFileAtomically, writeFileAtomically, FileWriteError } from '../../src/io/atomic-write';

const tempDir = () => makeTempDir('cnn-write-');

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.includes('.tmp-'));
}

const isRoot = process.getuid?.() === 0;
const bashAvailable = spawnSync('bash', ['-c', 'ulimit -f 1000'], { encoding: 'utf8' }).status === 0;

/** Runs one writer call in a child whose file-size limit is `kilobytes` (write() then fails with EFBIG). */
function writeUnderLimit(
  kilobytes: number,
  call: 'write' | 'append',
  file: string,
  bytes: number,
): { status: number | null; stderr: string } {
  const writer = require.resolve('../../src/io/atomic-write');
  const script = `const w = require(${JSON.stringify(writer)});
try {
  if (${JSON.stringify(call)} === 'write') w.writeFileAtomically(${JSON.stringify(file)}, Buffer.alloc(${bytes}, 7));
  else w.appendFileAtomically(${JSON.stringify(file)}, 'x'.repeat(${bytes}) + '\\n');
} catch (e) { process.stderr.write(e.message); process.exit(3); }`;
  const r = spawnSync('bash', ['-c', `ulimit -f ${kilobytes} && exec "$0" -e "$1"`, process.execPath, script], {
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr };
}

test('a replace writes the new bytes, keeps the file mode and leaves no temporary file', () => {
  const dir = tempDir();
  const file = path.join(dir, 'out.bin');
  fs.writeFileSync(file, 'old contents');
  fs.chmodSync(file, 0o640);
  writeFileAtomically(file, [Buffer.from('new '), Buffer.from('contents')]);
  assert.equal(fs.readFileSync(file, 'utf8'), 'new contents');
  assert.equal(fs.statSync(file).mode & 0o777, 0o640);
  assert.deepEqual(leftovers(dir), []);
});

test('a new file is created with the ordinary mode (umask applied)', () => {
  const dir = tempDir();
  const file = path.join(dir, 'fresh.txt');
  writeFileAtomically(file, 'hello');
  assert.equal(fs.readFileSync(file, 'utf8'), 'hello');
  const umask = process.umask();
  assert.equal(fs.statSync(file).mode & 0o777, 0o666 & ~umask);
});

test(
  'a write cut short (file-size limit, EFBIG) keeps the previous file byte for byte and removes the temporary file',
  { skip: bashAvailable ? false : 'needs bash for ulimit -f' },
  () => {
    const dir = tempDir();
    const file = path.join(dir, 'keep.onnx');
    const before = Buffer.alloc(3000, 1);
    fs.writeFileSync(file, before);
    const r = writeUnderLimit(64, 'write', file, 200 * 1024);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /cannot write .*keep\.onnx: file too large: the disk is full/);
    assert.match(r.stderr, /the previous .*keep\.onnx is unchanged/);
    assert.ok(fs.readFileSync(file).equals(before));
    assert.deepEqual(leftovers(dir), []);

    // To a new name: nothing at all is left, not a 0-byte or truncated file.
    const fresh = path.join(dir, 'new.onnx');
    assert.equal(writeUnderLimit(64, 'write', fresh, 200 * 1024).status, 3);
    assert.equal(fs.existsSync(fresh), false);
    assert.deepEqual(leftovers(dir), []);
  },
);

test(
  'an append cut short keeps every earlier line',
  { skip: bashAvailable ? false : 'needs bash for ulimit -f' },
  () => {
    const dir = tempDir();
    const file = path.join(dir, 'metrics.jsonl');
    appendFileAtomically(file, '{"epoch":1}\n');
    appendFileAtomically(file, '{"epoch":2}\n');
    const before = fs.readFileSync(file);
    assert.equal(before.toString(), '{"epoch":1}\n{"epoch":2}\n');
    const r = writeUnderLimit(64, 'append', file, 200 * 1024);
    assert.equal(r.status, 3, r.stderr);
    assert.ok(fs.readFileSync(file).equals(before));
    assert.deepEqual(leftovers(dir), []);
  },
);

test('an append ends a last line left without its newline before adding its own', () => {
  const dir = tempDir();
  const file = path.join(dir, 'metrics.jsonl');
  fs.writeFileSync(file, '{"epoch":1}');
  appendFileAtomically(file, '{"epoch":2}\n');
  assert.equal(fs.readFileSync(file, 'utf8'), '{"epoch":1}\n{"epoch":2}\n');
});

test('a character device is refused and stays a device', { skip: isRoot ? false : 'mknod needs root' }, () => {
  const dir = tempDir();
  const device = path.join(dir, 'fakenull');
  const made = spawnSync('mknod', [device, 'c', '1', '3'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  assert.throws(
    () => writeFileAtomically(device, 'x'),
    (e: Error) => e instanceof FileWriteError && /is a character device, not a regular file/.test(e.message),
  );
  assert.ok(fs.lstatSync(device).isCharacterDevice());
  // Through a symbolic link: the rule applies to what the link names.
  const link = path.join(dir, 'link');
  fs.symlinkSync(device, link);
  assert.throws(() => writeFileAtomically(link, 'x'), /character device/);
  assert.ok(fs.lstatSync(device).isCharacterDevice());
  assert.deepEqual(leftovers(dir), []);
});

test('a FIFO and a directory are refused', () => {
  const dir = tempDir();
  assert.throws(() => writeFileAtomically(dir, 'x'), /is a directory/);
  const fifo = path.join(dir, 'pipe');
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status === 0) {
    assert.throws(() => writeFileAtomically(fifo, 'x'), /is a FIFO/);
    assert.ok(fs.lstatSync(fifo).isFIFO());
  }
});

test('a read-only file (no write bit, even for root) is refused and left unchanged', () => {
  const dir = tempDir();
  const file = path.join(dir, 'ro.safetensors');
  fs.writeFileSync(file, 'precious');
  fs.chmodSync(file, 0o444);
  assert.throws(() => writeFileAtomically(file, 'x'), /is read-only \(mode 444\)/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'precious');
  assert.equal(fs.statSync(file).mode & 0o777, 0o444);
});

test('a missing or read-only directory is refused with the directory named', () => {
  const dir = tempDir();
  assert.throws(
    () => writeFileAtomically(path.join(dir, 'no-such', 'f'), 'x'),
    /the directory .*no-such does not exist/,
  );
  const ro = path.join(dir, 'ro');
  fs.mkdirSync(ro, 0o555);
  assert.throws(() => writeFileAtomically(path.join(ro, 'f'), 'x'), /the directory .*ro is read-only/);
  assert.equal(fs.existsSync(path.join(ro, 'f')), false);
});

test('a symbolic link to a regular file is kept and the file it names is replaced', () => {
  const dir = tempDir();
  const real = path.join(dir, 'real.txt');
  const link = path.join(dir, 'link.txt');
  fs.writeFileSync(real, 'old');
  fs.symlinkSync(real, link);
  writeFileAtomically(link, 'new');
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.equal(fs.readFileSync(real, 'utf8'), 'new');
  const dangling = path.join(dir, 'dangling');
  fs.symlinkSync(path.join(dir, 'nowhere'), dangling);
  assert.throws(() => writeFileAtomically(dangling, 'x'), /symbolic link to .*nowhere, which does not exist/);
});

test('an empty file name is refused', () => {
  assert.throws(() => writeFileAtomically('', 'x'), /file name is empty/);
});
