// Reader for the IDX format of LeCun's MNIST files (and Fashion-MNIST, which copies it):
// two zero bytes, an element-type byte, a dimension-count byte, big-endian u32 dimensions,
// then the elements. The bytes go straight into a typed array (a view of the file buffer),
// never into per-pixel JS values. A `.gz` name is gunzipped transparently.

import * as fs from 'fs';
import * as zlib from 'zlib';
import { DataError } from './errors';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Reads an unsigned-byte IDX file (plain or gzip-compressed) into its dimensions and bytes. */
export function readIdx(file: string): IdxArray {
  return parseIdx(file, readMaybeGzipped(file));
}

function readMaybeGzipped(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    throw fileReadError(file, err as NodeJS.ErrnoException);
  }
  if (!file.endsWith('.gz')) return raw;
  try {
    return zlib.gunzipSync(raw);
  } catch (err) {
    throw new DataError(file, `${file}: not a valid gzip file (${(err as Error).message}); re-download it or use the uncompressed file`);
  }
}

function fileReadError(file: string, err: NodeJS.ErrnoException): DataError {
  if (err.code === 'ENOENT') return new DataError(file, `${file} not found`);
  if (err.code === 'EISDIR') return new DataError(file, `${file} is a directory, not an IDX file`);
  if (err.code === 'EACCES') return new DataError(file, `${file}: permission denied`);
  return new DataError(file, `${file}: cannot read (${err.message})`);
}

/** Parses IDX bytes; `file` is only used in error messages. */
export function parseIdx(file: string, bytes: Buffer): IdxArray {
  if (bytes.length < 4) {
    throw new DataError(file, `${file}: too short to be an IDX file (${bytes.length} bytes; the header alone is at least 4)`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(file, `${file}: not an IDX file (bad magic: the first two bytes are ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00)`);
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    throw new DataError(file, `${file}: unsupported IDX element type ${hex(type)}; cnn reads unsigned-byte (0x08) IDX files`);
  }
  const rank = bytes[3];
  if (rank === 0) throw new DataError(file, `${file}: IDX header declares zero dimensions`);
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) {
    throw new DataError(file, `${file}: truncated IDX header: ${rank} dimensions need ${headerSize} header bytes, found ${bytes.length}`);
  }
  const dims: number[] = [];
  // Exact (BigInt): with many large dimensions a float product overflows to Infinity, and
  // Infinity * 0 is NaN, which would slip past both size checks below.
  let exact = 1n;
  for (let i = 0; i < rank; i++) {
    const d = bytes.readUInt32BE(4 + 4 * i);
    dims.push(d);
    exact *= BigInt(d);
  }
  const found = bytes.length - headerSize;
  if (BigInt(found) < exact) {
    throw new DataError(file, `${file}: truncated: dimensions ${dims.join('x')} need ${exact} data bytes, found ${found}; re-download the file`);
  }
  const count = Number(exact); // at most the file's length now
  if (found > count) {
    throw new DataError(file, `${file}: ${found - count} unexpected trailing bytes after the ${count} data bytes of dimensions ${dims.join('x')}`);
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + headerSize, count);
  return { dims, data };
}

function hex(b: number): string {
  return '0x' + b.toString(16).toUpperCase().padStart(2, '0');
}
