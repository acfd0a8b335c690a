// readIdx on IDX files the test writes: well-formed plain and gzipped, and each way a file
// can be malformed, checking that the message names the file and the problem.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { readIdx } from '../../src/data/idx';
import { DataError } from '../../src/data/errors';
import { idxBytes, tempDir, writeFile, removeTempDirs } from './idx-fixtures';

after(removeTempDirs);

const dir = tempDir('idx');
const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);

function expectDataError(file: string, pattern: RegExp): void {
  assert.throws(
    () => readIdx(file),
    (err: unknown) => {
      assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
      assert.ok(err.message.includes(file), `message should name the file: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

test('reads a plain IDX file into dims and bytes', () => {
  const file = writeFile(dir, 'plain-idx3-ubyte', idxBytes([2, 3, 4], pixels));
  const { dims, data } = readIdx(file);
  assert.deepEqual(dims, [2, 3, 4]);
  assert.ok(data instanceof Uint8Array);
  assert.deepEqual(Array.from(data), Array.from(pixels));
});

test('reads a gzipped IDX file transparently', () => {
  const file = writeFile(dir, 'zipped-idx3-ubyte.gz', idxBytes([2, 3, 4], pixels));
  const { dims, data } = readIdx(file);
  assert.deepEqual(dims, [2, 3, 4]);
  assert.deepEqual(Array.from(data), Array.from(pixels));
});

test('reads a 1-D label file', () => {
  const file = writeFile(dir, 'labels-idx1-ubyte', idxBytes([5], [0, 1, 2, 3, 9]));
  assert.deepEqual(readIdx(file), { dims: [5], data: Uint8Array.from([0, 1, 2, 3, 9]) });
});

test('missing file', () => {
  expectDataError(path.join(dir, 'nope-idx3-ubyte'), /not found/);
});

test('corrupt gzip', () => {
  const file = path.join(dir, 'bad.gz');
  fs.writeFileSync(file, Buffer.from('this is not gzip data at all'));
  expectDataError(file, /not a valid gzip file/);
});

test('wrong magic', () => {
  const bytes = idxBytes([2, 3, 4], pixels);
  bytes[0] = 0x50;
  expectDataError(writeFile(dir, 'magic', bytes), /bad magic.*0x50/);
});

test('unsupported element type', () => {
  const file = writeFile(dir, 'float', idxBytes([2, 3, 4], pixels, 0x0d));
  expectDataError(file, /unsupported IDX element type 0x0D; cnn reads unsigned-byte \(0x08\) IDX files/);
});

test('zero dimensions', () => {
  expectDataError(writeFile(dir, 'rank0', idxBytes([], [])), /zero dimensions/);
});

test('truncated data says how many bytes were expected and found', () => {
  const bytes = idxBytes([2, 3, 4], pixels).subarray(0, 16 + 20);
  expectDataError(writeFile(dir, 'short', bytes), /need 24 data bytes, found 20/);
});

test('truncated header', () => {
  const bytes = idxBytes([2, 3, 4], pixels).subarray(0, 10);
  expectDataError(writeFile(dir, 'shorthead', bytes), /truncated IDX header/);
});

test('trailing garbage', () => {
  const bytes = Buffer.concat([idxBytes([2, 3, 4], pixels), Buffer.from([1, 2, 3])]);
  expectDataError(writeFile(dir, 'trailing', bytes), /3 unexpected trailing bytes/);
});

test('absurd dimensions larger than the file', () => {
  const bytes = idxBytes([60000, 60000, 60000], pixels);
  expectDataError(
    writeFile(dir, 'absurd', bytes),
    /truncated: dimensions 60000x60000x60000 need 216000000000000 data bytes, found 24/,
  );
});

test('a file shorter than any header', () => {
  expectDataError(writeFile(dir, 'tiny', Buffer.from([0, 0])), /too short/);
});

// A .gz file is inflated header first and then only as far as the header says: a small
// archive that inflates to far more (a "gzip bomb", or a damaged stream spewing garbage)
// fails fast without the reader ever holding the inflated bytes.
function gzipBomb(trailerClaimsHeaderSize: boolean): Buffer {
  const honest = idxBytes([2, 3, 4], pixels);
  const gz = zlib.gzipSync(Buffer.concat([honest, Buffer.alloc(64 << 20)]), { level: 9 });
  if (trailerClaimsHeaderSize) gz.writeUInt32LE(honest.length, gz.length - 4);
  return gz;
}

function expectQuickDataError(name: string, gz: Buffer, pattern: RegExp): void {
  const file = path.join(dir, name);
  fs.writeFileSync(file, gz);
  const before = process.memoryUsage().arrayBuffers;
  const started = Date.now();
  expectDataError(file, pattern);
  assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
  // The 64 MiB never materialise (the file itself is ~64 KiB).
  assert.ok(process.memoryUsage().arrayBuffers - before < 8 << 20, 'the reader inflated the bomb');
}

test('a gzip bomb whose trailer gives its real size is refused before inflating', () => {
  expectQuickDataError(
    'bomb-idx3-ubyte.gz',
    gzipBomb(false),
    /gzip trailer records 67108904 uncompressed bytes but the IDX header \(dimensions 2x3x4\) needs 40/,
  );
});

test('a gzip bomb with a forged trailer stops inflating at the size its header declares', () => {
  expectQuickDataError(
    'forged-bomb-idx3-ubyte.gz',
    gzipBomb(true),
    /unexpected trailing bytes after the 24 data bytes of dimensions 2x3x4/,
  );
});

test('a gzipped header claiming more than its compressed bytes can hold is truncated', () => {
  const gz = zlib.gzipSync(idxBytes([60000, 28, 28], pixels));
  expectQuickDataError(
    'short-idx3-ubyte.gz',
    gz,
    /truncated: dimensions 60000x28x28 need 47040000 data bytes, more than \d+ compressed bytes can hold/,
  );
});

test('a .gz file cut short is refused with a message naming it', () => {
  const gz = zlib.gzipSync(
    idxBytes(
      [100, 28, 28],
      new Uint8Array(100 * 28 * 28).map((_, i) => (i * 7919) % 251),
    ),
  );
  const file = path.join(dir, 'cut-idx3-ubyte.gz');
  fs.writeFileSync(file, gz.subarray(0, gz.length >> 1));
  expectDataError(file, /damaged|not a valid gzip file/);
});
