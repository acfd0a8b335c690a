// Reader for the IDX format of LeCun's MNIST files (and Fashion-MNIST, which copies it):
// two zero bytes, an element-type byte, a dimension-count byte, big-endian u32 dimensions,
// then the elements. The bytes go straight into a typed array (a view of the file buffer),
// never into per-pixel JS values. A `.gz` name is gunzipped transparently, header first, so a
// damaged or hostile archive cannot make the reader allocate more than its header declares.

import * as fs from 'fs';
import * as buffer from 'buffer';
import { DataError } from './errors';
import { GunzipLimitError, MAX_DEFLATE_RATIO, gunzipExactly, gunzipPrefix, gzipTrailerSize } from './gunzip-bounded';
import { fsErrorMessage } from '../io/fs-errors';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Reads an unsigned-byte IDX file (plain or gzip-compressed) into its dimensions and bytes. */
export function readIdx(file: string): IdxArray {
  const raw = readWholeFile(file);
  if (!file.endsWith('.gz')) return parseIdx(file, raw);
  return parseIdx(file, gunzipIdx(file, raw));
}

function readWholeFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw fileReadError(file, err as NodeJS.ErrnoException);
  }
}

// Inflates the header first and then only as many bytes as it declares: a small damaged or
// hostile .gz file must not make the reader allocate more than the file claims to hold.
function gunzipIdx(file: string, gz: Buffer): Buffer {
  const notGzip = (err: unknown) =>
    new DataError(
      file,
      `${file}: not a valid gzip file (${(err as Error).message}); re-download it or use the uncompressed file`,
    );
  let start: Buffer;
  try {
    start = gunzipPrefix(gz, (b) => b.length >= 4 && b.length >= 4 + 4 * b[3]);
  } catch (err) {
    throw notGzip(err);
  }
  const { dims, headerSize, count } = parseIdxHeader(file, start);
  const expected = BigInt(headerSize) + count;
  // Deflate cannot expand a byte to more than MAX_DEFLATE_RATIO bytes: a header claiming more
  // than that is a truncated file, known before inflating anything.
  if (expected > BigInt(gz.length) * BigInt(MAX_DEFLATE_RATIO) || expected > BigInt(buffer.constants.MAX_LENGTH)) {
    throw new DataError(
      file,
      `${file}: truncated: dimensions ${dims.join('x')} need ${count} data bytes, more than ${gz.length} compressed bytes can hold; re-download the file`,
    );
  }
  const trailer = gzipTrailerSize(gz);
  if (trailer !== null && trailer !== Number(expected % 2n ** 32n)) {
    throw new DataError(
      file,
      `${file}: the gzip trailer records ${trailer} uncompressed bytes but the IDX header (dimensions ${dims.join('x')}) needs ${expected}: the file is damaged or not a single gzip stream; re-download it, or gunzip it and pass the uncompressed file`,
    );
  }
  try {
    return gunzipExactly(gz, Number(expected));
  } catch (err) {
    if (err instanceof GunzipLimitError) {
      throw new DataError(
        file,
        `${file}: unexpected trailing bytes after the ${count} data bytes of dimensions ${dims.join('x')}`,
      );
    }
    throw notGzip(err);
  }
}

function fileReadError(file: string, err: NodeJS.ErrnoException): DataError {
  if (err.code === 'ENOENT') return new DataError(file, `${file} not found`);
  if (err.code === 'EISDIR') return new DataError(file, `${file} is a directory, not an IDX file`);
  if (err.code === 'EACCES') return new DataError(file, `${file}: permission denied`);
  return new DataError(file, fsErrorMessage('cannot read', file, err));
}

interface IdxHeader {
  dims: number[];
  headerSize: number;
  /** Data bytes the dimensions need (exact: with many large dimensions a float product would
   *  overflow to Infinity, and Infinity * 0 is NaN, which slips past size checks). */
  count: bigint;
}

/** Checks the magic, element type and rank, and reads the dimensions; `file` names the file in errors. */
function parseIdxHeader(file: string, bytes: Buffer): IdxHeader {
  if (bytes.length < 4) {
    throw new DataError(
      file,
      `${file}: too short to be an IDX file (${bytes.length} bytes; the header alone is at least 4)`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(
      file,
      `${file}: not an IDX file (bad magic: the first two bytes are ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00)`,
    );
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    throw new DataError(
      file,
      `${file}: unsupported IDX element type ${hex(type)}; cnn reads unsigned-byte (0x08) IDX files`,
    );
  }
  const rank = bytes[3];
  if (rank === 0) throw new DataError(file, `${file}: IDX header declares zero dimensions`);
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) {
    throw new DataError(
      file,
      `${file}: truncated IDX header: ${rank} dimensions need ${headerSize} header bytes, found ${bytes.length}`,
    );
  }
  const dims: number[] = [];
  let count = 1n;
  for (let i = 0; i < rank; i++) {
    const d = bytes.readUInt32BE(4 + 4 * i);
    dims.push(d);
    count *= BigInt(d);
  }
  return { dims, headerSize, count };
}

/** Parses IDX bytes; `file` is only used in error messages. */
export function parseIdx(file: string, bytes: Buffer): IdxArray {
  const { dims, headerSize, count: exact } = parseIdxHeader(file, bytes);
  const found = bytes.length - headerSize;
  if (BigInt(found) < exact) {
    throw new DataError(
      file,
      `${file}: truncated: dimensions ${dims.join('x')} need ${exact} data bytes, found ${found}; re-download the file`,
    );
  }
  const count = Number(exact); // at most the file's length now
  if (found > count) {
    throw new DataError(
      file,
      `${file}: ${found - count} unexpected trailing bytes after the ${count} data bytes of dimensions ${dims.join('x')}`,
    );
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + headerSize, count);
  return { dims, data };
}

function hex(b: number): string {
  return '0x' + b.toString(16).toUpperCase().padStart(2, '0');
}
