// Fuzz target for the IDX reader (src/data/idx.ts): small valid unsigned-byte IDX files of
// rank 1 to 4, plain or gzip-compressed, with header rewrites (magic, element type, rank,
// dimensions set to 0, 2^31, 2^32-1, ...) beside the byte-level mutations.
import * as zlib from 'zlib';
import { readIdx, type IdxArray } from '../../src/data/idx';
import { DataError } from '../../src/data/errors';
import { Rng } from '../../src/train/rng';
import { BYTE_MUTATIONS, INTERESTING_U32, pick, randomBytes, type Mutation } from './mutate';
import { mutateSome, type FuzzTarget } from './target';

function validIdx(rng: Rng): Buffer {
  const rank = 1 + rng.int(4);
  const dims = Array.from({ length: rank }, () => rng.int(6) + (rng.int(8) === 0 ? 0 : 1));
  const count = dims.reduce((a, b) => a * b, 1);
  const header = Buffer.alloc(4 + 4 * rank);
  header[2] = 0x08;
  header[3] = rank;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, randomBytes(rng, count)]);
}

const headerRewrites: Mutation[] = [
  { name: 'magic', apply: (b, rng) => withByte(b, rng.int(2), pick(rng, [1, 0x80, 0xff, rng.int(256)])) },
  {
    name: 'element type',
    apply: (b, rng) => withByte(b, 2, pick(rng, [0x00, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0xff, rng.int(256)])),
  },
  { name: 'rank', apply: (b, rng) => withByte(b, 3, pick(rng, [0, 1, 2, 3, 4, 5, 64, 255, rng.int(256)])) },
  {
    name: 'a dimension',
    apply: (b, rng) => {
      const rank = b.length > 3 ? b[3] : 0;
      if (rank === 0 || b.length < 8) return b;
      const out = Buffer.from(b);
      const at = 4 + 4 * rng.int(Math.min(rank, Math.floor((b.length - 4) / 4)));
      out.writeUInt32BE(pick(rng, INTERESTING_U32), at);
      return out;
    },
  },
  {
    // Many huge dimensions and a zero: a float product is Infinity * 0 = NaN.
    name: 'many huge dimensions and a zero',
    apply: (b, rng) => {
      const rank = 33 + rng.int(40);
      const header = Buffer.alloc(4 + 4 * rank);
      header[2] = 0x08;
      header[3] = rank;
      for (let i = 0; i < rank; i++) header.writeUInt32BE(0xffffffff, 4 + 4 * i);
      header.writeUInt32BE(0, 4 + 4 * (rank - 1 - rng.int(3)));
      return Buffer.concat([header, b.subarray(Math.min(b.length, 4 + 4 * (b[3] ?? 0)))]);
    },
  },
  {
    name: 'dimensions claiming 2^40 bytes',
    apply: (b) => {
      const header = Buffer.alloc(16);
      header[2] = 0x08;
      header[3] = 3;
      header.writeUInt32BE(1 << 20, 4);
      header.writeUInt32BE(1 << 10, 8);
      header.writeUInt32BE(1 << 10, 12);
      return Buffer.concat([header, b.subarray(Math.min(b.length, 16))]);
    },
  },
];

function withByte(b: Buffer, at: number, value: number): Buffer {
  if (b.length <= at) return b;
  const out = Buffer.from(b);
  out[at] = value;
  return out;
}

function decompressed(bytes: Buffer, ext: string): Buffer | null {
  if (ext !== '.gz') return bytes;
  try {
    return zlib.gunzipSync(bytes);
  } catch {
    return null;
  }
}

export const idxTarget: FuzzTarget = {
  name: 'idx',
  errorClass: DataError,
  makeCase(rng) {
    const mutations: string[] = [];
    const gz = rng.int(4) === 0;
    let bytes = mutateSome(validIdx(rng), headerRewrites, rng, mutations);
    if (gz) {
      bytes = zlib.gzipSync(bytes, { level: 1 });
      // Sometimes damage the compressed stream itself.
      if (rng.int(3) === 0) {
        const names: string[] = [];
        bytes = mutateSome(bytes, BYTE_MUTATIONS, rng, names);
        mutations.push(...names.map((n) => `compressed: ${n}`));
      }
    }
    return { bytes, ext: gz ? '.gz' : '', mutations };
  },
  load: (file) => readIdx(file),
  checkLoaded(result, bytes, ext) {
    const raw = decompressed(bytes, ext);
    if (raw === null) return 'a file that does not gunzip was loaded';
    const { dims, data } = result as IdxArray;
    if (raw[0] !== 0 || raw[1] !== 0 || raw[2] !== 0x08) return 'a file without the 00 00 08 magic was loaded';
    if (dims.length !== raw[3]) return `rank ${dims.length} returned for a header of rank ${raw[3]}`;
    const exact = dims.reduce((a, d) => a * BigInt(d), 1n);
    if (exact !== BigInt(data.length)) return `dimensions ${dims.join('x')} returned with ${data.length} data bytes`;
    const headerSize = 4 + 4 * dims.length;
    if (headerSize + data.length !== raw.length)
      return `${raw.length - headerSize - data.length} bytes of the file were ignored`;
    if (!Buffer.from(data.buffer, data.byteOffset, data.length).equals(raw.subarray(headerSize)))
      return 'the data differ from the file';
    return null;
  },
  allowance(bytes, ext) {
    return (decompressed(bytes, ext) ?? bytes).length;
  },
};
