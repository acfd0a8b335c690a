// Checkpoints in the safetensors format, so weights move to and from PyTorch and other tools:
// an 8-byte little-endian header length N, N bytes of JSON (space-padded to a multiple of 8)
// mapping each tensor name to {dtype, shape, data_offsets} plus "__metadata__" (string to
// string), then the raw little-endian data. cnn writes F32 only, adds a format tag and a
// sha256 of the data and of the rest of the metadata (so an edited setting is caught as a
// damaged file, as an edited weight is), and writes atomically (temp file, fsync, rename, fsync
// of the directory) so a crash or a full disk never leaves a half-written checkpoint.
// The reader trusts nothing in the file: every field is checked before it is used, no
// allocation is sized by the header beyond what the file actually holds, and a corrupt file
// gets an error that names it and says what is wrong.

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { writeFileAtomically, FileWriteError } from '../io/atomic-write';
import { describeFsError } from '../io/fs-errors';

export const CHECKPOINT_FORMAT = 'cnn-checkpoint-2';
/** The earlier format, still read: its checksum covers the tensor data only. */
export const DATA_ONLY_CHECKSUM_FORMAT = 'cnn-checkpoint-1';

/** The error every checkpoint read or write failure throws: it names the file and what is wrong. */
export class CheckpointError extends Error {
  /** The checkpoint file the problem is about. */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointError';
    this.file = file;
  }
}

/** Larger headers are refused before anything is allocated for them. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** F32 for weights; I64 only for integer counters such as batch norm's num_batches_tracked. */
export type TensorData = Float32Array | BigInt64Array;

export interface NamedTensor {
  name: string;
  shape: number[];
  data: TensorData;
}

export interface LoadedTensor {
  shape: number[];
  data: TensorData;
}

function dtypeOf(data: TensorData): 'F32' | 'I64' {
  return data instanceof BigInt64Array ? 'I64' : 'F32';
}

const DTYPE_BYTES = { F32: 4, I64: 8 } as const;

export interface Safetensors {
  tensors: Map<string, LoadedTensor>;
  metadata: Record<string, string>;
}

interface TensorEntry {
  name: string;
  dtype: 'F32' | 'I64';
  shape: number[];
  begin: number;
  end: number;
}

interface Header {
  metadata: Record<string, string>;
  /** In the order the header lists them. */
  entries: TensorEntry[];
  /** Where the data buffer starts in the file. */
  dataStart: number;
  dataSize: number;
}

const HOST_IS_LITTLE_ENDIAN = os.endianness() === 'LE';

// ---------------------------------------------------------------- writing

/** Writes F32 tensors and string metadata to `file` atomically; adds `checksum` and `format` to the metadata. */
export function writeSafetensors(file: string, tensors: NamedTensor[], metadata: Record<string, string>): void {
  checkTensorsToWrite(file, tensors);
  const chunks = tensors.map((t) => littleEndianBytes(t.data));
  const tagged = { ...metadata, format: CHECKPOINT_FORMAT };
  const header = encodeHeader(tensors, { ...tagged, checksum: checksumOf(chunks, tagged) });
  writeAtomically(file, [header, ...chunks]);
}

function checkTensorsToWrite(file: string, tensors: NamedTensor[]): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === '' || t.name === '__metadata__')
      throw new CheckpointError(file, `cannot write checkpoint ${file}: invalid tensor name "${t.name}"`);
    if (seen.has(t.name))
      throw new CheckpointError(file, `cannot write checkpoint ${file}: tensor name ${t.name} appears twice`);
    seen.add(t.name);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CheckpointError(
        file,
        `cannot write checkpoint ${file}: tensor ${t.name} has invalid shape [${t.shape.join(', ')}]`,
      );
    }
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) {
      throw new CheckpointError(
        file,
        `cannot write checkpoint ${file}: tensor ${t.name} has shape [${t.shape.join(', ')}] (${size} values) but ${t.data.length} values`,
      );
    }
  }
}

/**
 * The checksum a file with this data buffer (its chunks in file order) and metadata must
 * record: sha256 over the data, then over the metadata other than "checksum", as JSON with
 * sorted keys. Files of the earlier format (and of other tools) cover the data only.
 */
export function checksumOf(data: readonly Uint8Array[], metadata: Record<string, string>): string {
  const hash = crypto.createHash('sha256');
  for (const chunk of data) hash.update(chunk);
  if (metadata.format !== undefined && metadata.format !== DATA_ONLY_CHECKSUM_FORMAT) {
    const covered = Object.keys(metadata)
      .filter((k) => k !== 'checksum')
      .sort()
      .map((k) => [k, metadata[k]]);
    hash.update(JSON.stringify(covered));
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The tensor's bytes in little-endian order: a view on little-endian hosts, a swapped copy otherwise. */
function littleEndianBytes(data: TensorData): Buffer {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return view;
  return dtypeOf(data) === 'I64' ? Buffer.from(view).swap64() : Buffer.from(view).swap32();
}

/** The 8-byte length followed by the JSON header, padded with spaces to a multiple of 8. */
function encodeHeader(tensors: NamedTensor[], metadata: Record<string, string>): Buffer {
  const json: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const end = offset + t.data.byteLength;
    json[t.name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const text = Buffer.from(JSON.stringify(json), 'utf8');
  const padded = Math.ceil(text.length / 8) * 8;
  const out = Buffer.alloc(8 + padded, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  text.copy(out, 8);
  return out;
}

/** Through the one writer of cnn (src/io/atomic-write.ts); its failures become CheckpointErrors. */
function writeAtomically(file: string, chunks: Buffer[]): void {
  try {
    writeFileAtomically(file, chunks, { what: 'checkpoint' });
  } catch (err) {
    if (err instanceof FileWriteError) throw new CheckpointError(file, err.message, { cause: err.cause });
    throw err;
  }
}

// ---------------------------------------------------------------- reading

/** Reads and validates a safetensors file of F32 tensors; each tensor gets its own aligned Float32Array. */
export function readSafetensors(file: string): Safetensors {
  const fd = openForReading(file);
  try {
    const header = readHeader(file, fd);
    return { tensors: readTensors(file, fd, header), metadata: header.metadata };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads and validates only the header and returns its metadata (cheap: the tensor data is not read). */
export function peekSafetensorsMetadata(file: string): Record<string, string> {
  const fd = openForReading(file);
  try {
    return readHeader(file, fd).metadata;
  } finally {
    fs.closeSync(fd);
  }
}

function openForReading(file: string): number {
  try {
    const fd = fs.openSync(file, 'r');
    if (fs.fstatSync(fd).isDirectory()) {
      fs.closeSync(fd);
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return fd;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new CheckpointError(file, `checkpoint ${file} not found`);
    throw new CheckpointError(file, `cannot read checkpoint ${file}: ${describeFsError(err)}`, { cause: err });
  }
}

function corrupt(file: string, what: string): CheckpointError {
  return new CheckpointError(file, `${file}: not a valid safetensors checkpoint: ${what}`);
}

/** A JSON value from the header, short enough for a message (deep or huge values are cut, never walked in full). */
function snippet(value: unknown, max = 60): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Array.isArray(value) ? '[...]' : '{...}'; // nested too deeply to print
  }
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function readExactly(file: string, fd: number, target: Uint8Array, position: number, what: string): void {
  let done = 0;
  while (done < target.length) {
    let n: number;
    try {
      n = fs.readSync(fd, target, done, target.length - done, position + done);
    } catch (err) {
      throw new CheckpointError(file, `${file}: cannot read ${what}: ${describeFsError(err)}`, { cause: err });
    }
    if (n === 0)
      throw new CheckpointError(
        file,
        `${file}: cannot read ${what}: unexpected end of file (did the file change while it was read?)`,
      );
    done += n;
  }
}

function readHeader(file: string, fd: number): Header {
  const fileSize = fs.fstatSync(fd).size;
  if (fileSize < 8) throw corrupt(file, `the file has ${fileSize} bytes, fewer than the 8-byte header length`);
  const lengthBytes = Buffer.alloc(8);
  readExactly(file, fd, lengthBytes, 0, 'the header length');
  const declared = lengthBytes.readBigUInt64LE(0);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw corrupt(file, `header length ${declared} is larger than the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(declared);
  if (8 + headerLength > fileSize) {
    throw corrupt(
      file,
      `header length ${headerLength} is larger than the file (${fileSize} bytes); the file is truncated or not a safetensors file`,
    );
  }
  const headerBytes = Buffer.alloc(headerLength);
  readExactly(file, fd, headerBytes, 8, 'the header');
  const json = parseHeaderJson(file, headerBytes);
  const dataStart = 8 + headerLength;
  const dataSize = fileSize - dataStart;
  const metadata = parseMetadata(file, json['__metadata__']);
  const entries = Object.keys(json)
    .filter((name) => name !== '__metadata__')
    .map((name) => parseEntry(file, name, json[name], dataSize));
  checkLayout(file, entries, dataSize);
  return { metadata, entries, dataStart, dataSize };
}

function parseHeaderJson(file: string, bytes: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw corrupt(file, 'the header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw corrupt(file, `the header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw corrupt(file, 'the header is not a JSON object');
  }
  return json as Record<string, unknown>;
}

function parseMetadata(file: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt(file, '__metadata__ is not an object');
  }
  const metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw corrupt(file, `__metadata__ value "${key}" is not a string`);
    metadata[key] = v;
  }
  return metadata;
}

function parseEntry(file: string, name: string, value: unknown, dataSize: number): TensorEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt(file, `tensor ${name}: the entry is not an object`);
  }
  const entry = value as Record<string, unknown>;
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!(field in entry)) throw corrupt(file, `tensor ${name} is missing the field "${field}"`);
  }
  if (entry.dtype !== 'F32' && entry.dtype !== 'I64') {
    throw new CheckpointError(
      file,
      `${file}: tensor ${name} has dtype ${snippet(entry.dtype)}; cnn reads F32 checkpoints (I64 only for counters)`,
    );
  }
  const dtype = entry.dtype;
  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw corrupt(file, `tensor ${name}: shape ${snippet(shape)} is not a list of non-negative integers`);
  }
  const offsets = entry.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw corrupt(file, `tensor ${name}: data_offsets ${snippet(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataSize) {
    throw corrupt(file, `tensor ${name}: data_offsets [${begin}, ${end}] lie outside the ${dataSize}-byte data buffer`);
  }
  const bytes = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
  if (end - begin !== bytes) {
    throw corrupt(
      file,
      `tensor ${name}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${shape.join(', ')}] needs ${bytes}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** The tensors must tile the data buffer exactly: no overlaps, no gaps, nothing left over. */
function checkLayout(file: string, entries: TensorEntry[], dataSize: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous = '';
  for (const e of sorted) {
    if (e.begin < position)
      throw corrupt(
        file,
        `tensors ${previous} and ${e.name} overlap (${e.name} begins at ${e.begin}, before ${position})`,
      );
    if (e.begin > position)
      throw corrupt(file, `a gap of ${e.begin - position} bytes in the data buffer before tensor ${e.name}`);
    position = e.end;
    previous = e.name;
  }
  if (position !== dataSize) {
    throw corrupt(
      file,
      `the data buffer has ${dataSize} bytes but the tensors cover ${position}; ${dataSize - position} bytes are unaccounted for`,
    );
  }
}

function readTensors(file: string, fd: number, header: Header): Map<string, LoadedTensor> {
  const data = new Map<string, TensorData>();
  const chunks: Uint8Array[] = [];
  // Data-buffer order, so the running hash sees the buffer exactly as it lies in the file.
  const byOffset = [...header.entries].sort((a, b) => a.begin - b.begin);
  for (const e of byOffset) {
    const values = allocateTensor(file, e);
    const bytes = new Uint8Array(values.buffer);
    readExactly(file, fd, bytes, header.dataStart + e.begin, `tensor ${e.name}`);
    chunks.push(bytes);
    if (!HOST_IS_LITTLE_ENDIAN) {
      if (e.dtype === 'I64') Buffer.from(values.buffer).swap64();
      else Buffer.from(values.buffer).swap32();
    }
    data.set(e.name, values);
  }
  checkChecksum(file, header.metadata.checksum, checksumOf(chunks, header.metadata));
  const tensors = new Map<string, LoadedTensor>();
  for (const e of header.entries) {
    const values = data.get(e.name)!;
    if (values instanceof Float32Array) checkFinite(file, e.name, values);
    tensors.set(e.name, { shape: e.shape, data: values });
  }
  return tensors;
}

/** The tensor's array; sizes are bounded by the file's size, but a sparse file can claim more than memory holds. */
function allocateTensor(file: string, e: TensorEntry): TensorData {
  try {
    return e.dtype === 'I64' ? new BigInt64Array((e.end - e.begin) / 8) : new Float32Array((e.end - e.begin) / 4);
  } catch (err) {
    throw new CheckpointError(
      file,
      `${file}: tensor ${e.name} needs ${e.end - e.begin} bytes, more than can be allocated (${(err as Error).message}); the file is damaged or too large to load`,
    );
  }
}

/** Files from other tools have no checksum; when one is present it must match. */
function checkChecksum(file: string, recorded: string | undefined, actual: string): void {
  if (recorded === undefined) return;
  if (!recorded.startsWith('sha256:')) {
    throw new CheckpointError(file, `${file}: unsupported checksum "${snippet(recorded)}"; cnn writes sha256:<hex>`);
  }
  if (recorded.toLowerCase() !== `sha256:${actual.slice('sha256:'.length)}`) {
    throw new CheckpointError(
      file,
      `${file}: checksum mismatch: the file is corrupt or was modified (its weights or its metadata)`,
    );
  }
}

function checkFinite(file: string, name: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) {
      const what = Number.isNaN(v) ? 'NaN' : 'an infinite value';
      throw new CheckpointError(
        file,
        `${file}: tensor ${name} holds ${what} at index ${i}; the weights are unusable (training had probably diverged when they were saved)`,
      );
    }
  }
}
