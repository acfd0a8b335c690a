// The safetensors checkpoint format: round trips, the byte layout the spec prescribes, the
// atomic write keeping an old file when a write fails, and a clear error for every kind of
// malformed file (built byte by byte here, so nothing depends on another tool).

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { peekSafetensorsMetadata, readSafetensors, writeSafetensors } from '../../src/model/checkpoint';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-checkpoint-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileNumber = 0;
const nextFile = () => path.join(dir, `c${fileNumber++}.safetensors`);

/** A safetensors file from a header object and data bytes; `length` overrides the declared header length. */
function rawFile(header: unknown, data: Buffer = Buffer.alloc(0), length?: bigint, headerText?: Buffer): string {
  const text = headerText ?? Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length ?? BigInt(text.length));
  const file = nextFile();
  fs.writeFileSync(file, Buffer.concat([prefix, text, data]));
  return file;
}

function f32(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

function expectError(file: string, pattern: RegExp): void {
  assert.throws(
    () => readSafetensors(file),
    (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(err.message.includes(file), `message should name the file: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

const weights = [
  { name: 'conv1.weight', shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 7 - 1) },
  { name: 'conv1.bias', shape: [2], data: Float32Array.from([0.5, -0.25]) },
  { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
  { name: 'scalar', shape: [], data: Float32Array.from([3.5]) },
];

test('round trip keeps names, shapes, values and metadata', () => {
  const file = nextFile();
  writeSafetensors(file, weights, { model: 'lenet5', epoch: '3' });
  const { tensors, metadata } = readSafetensors(file);
  assert.deepEqual(
    [...tensors.keys()],
    weights.map((w) => w.name),
  );
  for (const w of weights) {
    const t = tensors.get(w.name)!;
    assert.deepEqual(t.shape, w.shape);
    assert.deepEqual(t.data, w.data);
    assert.equal(t.data.byteOffset % 4, 0);
  }
  assert.equal(metadata.model, 'lenet5');
  assert.equal(metadata.epoch, '3');
  assert.equal(metadata.format, 'cnn-checkpoint-2');
  assert.match(metadata.checksum, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(peekSafetensorsMetadata(file), metadata);
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => n.includes('.tmp-')),
    [],
  );
});

test('the bytes follow the spec: u64 LE length, space-padded JSON, LE f32 data', () => {
  const file = nextFile();
  writeSafetensors(file, [{ name: 'w', shape: [2], data: Float32Array.from([1, -2]) }], {});
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  assert.equal(bytes.length, 8 + n + 8);
  assert.equal(String.fromCharCode(bytes[8]), '{');
  const headerText = bytes.subarray(8, 8 + n).toString('utf8');
  assert.match(headerText, /} *$/);
  const header = JSON.parse(headerText);
  assert.deepEqual(header.w, { dtype: 'F32', shape: [2], data_offsets: [0, 8] });
  const data = bytes.subarray(8 + n);
  assert.deepEqual([...data], [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
  // The checksum covers the data, then the other metadata as sorted [key, value] pairs.
  const expected = crypto
    .createHash('sha256')
    .update(data)
    .update(JSON.stringify([['format', 'cnn-checkpoint-2']]))
    .digest('hex');
  assert.equal(header.__metadata__.checksum, `sha256:${expected}`);
});

/** The file with its header's metadata changed by `edit` (the header length adjusted, the data kept). */
function editMetadata(file: string, edit: (metadata: Record<string, string>) => void): void {
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  edit(header.__metadata__);
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  fs.writeFileSync(file, Buffer.concat([prefix, text, bytes.subarray(8 + n)]));
}

test('edited metadata gives a checksum mismatch, as edited data does', () => {
  const file = nextFile();
  writeSafetensors(file, weights, { training: '{"lr":0.05}' });
  editMetadata(file, (m) => {
    m.training = '{"lr":-1}';
  });
  expectError(file, /checksum mismatch: the file is corrupt or was modified \(its weights or its metadata\)/);
  const added = nextFile();
  writeSafetensors(added, weights, {});
  editMetadata(added, (m) => {
    m.position = '{}';
  });
  expectError(added, /checksum mismatch/);
});

test('a file of the earlier format, whose checksum covers the data only, still loads', () => {
  const file = nextFile();
  writeSafetensors(file, weights, { note: 'old' });
  const data = fs.readFileSync(file).subarray(-weights.reduce((n, w) => n + w.data.byteLength, 0));
  editMetadata(file, (m) => {
    m.format = 'cnn-checkpoint-1';
    m.checksum = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
  });
  assert.equal(readSafetensors(file).metadata.note, 'old');
});

// A write failing midway is tested on the writer itself (test/io/atomic-write.test.ts) and on
// a real training run (test/cli/disk-full.test.ts).

test('writing over a directory fails, naming the path, and removes the temp file', () => {
  const target = path.join(dir, 'a-directory');
  fs.mkdirSync(target);
  assert.throws(
    () => writeSafetensors(target, weights, {}),
    new RegExp(`cannot write checkpoint ${target}.*directory`),
  );
  assert.ok(fs.statSync(target).isDirectory());
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => n.includes('.tmp-')),
    [],
  );
});

test('writing into a missing directory fails, naming the path', () => {
  const target = path.join(dir, 'no-such-dir', 'model.safetensors');
  assert.throws(
    () => writeSafetensors(target, weights, {}),
    new RegExp(`cannot write checkpoint ${target}: the directory .*no-such-dir does not exist`),
  );
});

// Refused by its mode bits even for root, whom the permissions would let through.
test('writing into a read-only directory fails and keeps the old file', () => {
  const locked = fs.mkdtempSync(path.join(dir, 'locked-'));
  const file = path.join(locked, 'model.safetensors');
  writeSafetensors(file, weights, { version: 'old' });
  fs.chmodSync(locked, 0o500);
  try {
    assert.throws(() => writeSafetensors(file, weights, { version: 'new' }), /read-only/);
  } finally {
    fs.chmodSync(locked, 0o700);
  }
  assert.equal(readSafetensors(file).metadata.version, 'old');
});

test('a shape that does not match the data is refused at write time', () => {
  assert.throws(
    () => writeSafetensors(nextFile(), [{ name: 'w', shape: [3], data: new Float32Array(2) }], {}),
    /tensor w has shape \[3\]/,
  );
});

test('a file without a checksum (written by another tool) loads', () => {
  const file = rawFile({ 'fc.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }, f32([1, 2, 3, 4]));
  const { tensors, metadata } = readSafetensors(file);
  assert.deepEqual(Array.from(tensors.get('fc.weight')!.data as Float32Array), [1, 2, 3, 4]);
  assert.deepEqual(metadata, {});
});

test('missing file', () => {
  assert.throws(() => readSafetensors(path.join(dir, 'absent.safetensors')), /absent\.safetensors not found/);
});

test('a file shorter than 8 bytes', () => {
  const file = nextFile();
  fs.writeFileSync(file, Buffer.from([1, 2, 3]));
  expectError(file, /3 bytes, fewer than the 8-byte header length/);
});

test('a header length larger than the file', () => {
  expectError(rawFile({}, Buffer.alloc(0), 5000n), /header length 5000 is larger than the file/);
});

test('a huge header length is refused before allocating', () => {
  expectError(rawFile({}, Buffer.alloc(0), 1n << 60n), /larger than the 104857600-byte limit/);
});

test('a header that is not JSON', () => {
  expectError(rawFile(null, Buffer.alloc(0), undefined, Buffer.from('{"w": [nope')), /not valid JSON/);
});

test('a header that is not UTF-8', () => {
  expectError(rawFile(null, Buffer.alloc(0), undefined, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /not valid UTF-8/);
});

test('a header that is not an object', () => {
  expectError(rawFile([1, 2, 3]), /not a JSON object/);
});

test('a tensor entry missing a field', () => {
  expectError(rawFile({ w: { dtype: 'F32', shape: [1] } }, f32([1])), /tensor w is missing the field "data_offsets"/);
});

test('a dtype other than F32', () => {
  const file = rawFile({ 'conv1.weight': { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, Buffer.alloc(4));
  expectError(file, /tensor conv1\.weight has dtype F16; cnn reads F32 checkpoints/);
});

test('a shape that is not non-negative integers', () => {
  expectError(
    rawFile({ w: { dtype: 'F32', shape: [-1, 2], data_offsets: [0, 4] } }, f32([1])),
    /shape \[-1,2\] is not a list of non-negative integers/,
  );
  expectError(
    rawFile({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, f32([1])),
    /not a list of non-negative integers/,
  );
});

test('offsets outside the data buffer', () => {
  expectError(
    rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32([1, 2])),
    /data_offsets \[0, 16\] lie outside the 8-byte data buffer/,
  );
});

test('offsets that do not match the shape', () => {
  expectError(
    rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32([1, 2])),
    /span 8 bytes but shape \[3\] needs 12/,
  );
});

test('overlapping tensors', () => {
  const file = rawFile(
    {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    },
    f32([1, 2, 3]),
  );
  expectError(file, /tensors a and b overlap/);
});

test('a gap between tensors', () => {
  const file = rawFile(
    {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    },
    f32([1, 2, 3]),
  );
  expectError(file, /a gap of 4 bytes .* before tensor b/);
});

test('data left over after the last tensor', () => {
  expectError(
    rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([1, 2])),
    /8 bytes but the tensors cover 4/,
  );
});

test('a truncated file', () => {
  const file = nextFile();
  writeSafetensors(file, weights, {});
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 4));
  expectError(file, /lie outside the .*-byte data buffer/);
});

test('a flipped data byte gives a checksum mismatch', () => {
  const file = nextFile();
  writeSafetensors(file, weights, {});
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 10] ^= 0x01;
  fs.writeFileSync(file, bytes);
  expectError(file, /checksum mismatch: the file is corrupt or was modified/);
});

test('a NaN or infinite weight is named with its tensor and index', () => {
  const bad = Float32Array.from([1, 2, 3, NaN]);
  const file = nextFile();
  writeSafetensors(file, [{ name: 'fc.weight', shape: [2, 2], data: bad }], {});
  expectError(file, /tensor fc\.weight holds NaN at index 3/);
  const inf = rawFile({ b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32([0, -Infinity]));
  expectError(inf, /tensor b holds an infinite value at index 1/);
});

test('peekSafetensorsMetadata reads only the header', () => {
  // A file whose tensor data would fail the checksum still yields its metadata.
  const file = nextFile();
  writeSafetensors(file, weights, { model: 'tiny' });
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 1] ^= 0xff;
  fs.writeFileSync(file, bytes);
  assert.equal(peekSafetensorsMetadata(file).model, 'tiny');
});

test('an I64 counter (batch norm num_batches_tracked) round-trips beside F32 tensors', () => {
  const file = nextFile();
  writeSafetensors(
    file,
    [
      { name: 'bn.weight', shape: [2], data: Float32Array.of(1, 2) },
      { name: 'bn.num_batches_tracked', shape: [], data: BigInt64Array.of(12345n) },
    ],
    {},
  );
  const { tensors } = readSafetensors(file);
  const counter = tensors.get('bn.num_batches_tracked')!;
  assert.ok(counter.data instanceof BigInt64Array);
  assert.deepEqual(counter.shape, []);
  assert.equal(counter.data[0], 12345n);
  assert.deepEqual(Array.from(tensors.get('bn.weight')!.data as Float32Array), [1, 2]);
});
