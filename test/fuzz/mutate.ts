// Format-blind byte mutations for the reader fuzz test: bit flips, overwritten bytes and
// integers, truncation, extension, inserted and deleted spans, whole random files. Each
// takes the case's generator, so a case is reproduced from its seed alone.
import { Rng } from '../../src/train/rng';

export type Mutation = { name: string; apply: (bytes: Buffer, rng: Rng) => Buffer };

/** Integers that break size arithmetic: zero, one, sign and width boundaries, 2^40. */
export const INTERESTING_U32 = [
  0, 1, 2, 3, 7, 8, 255, 256, 3073, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];
export const INTERESTING_U64 = [
  0n,
  1n,
  7n,
  8n,
  9n,
  0x7fffffffn,
  0xffffffffn,
  0x100000000n,
  1n << 40n,
  1n << 53n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
];

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

export function randomBytes(rng: Rng, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += 4) {
    const word = rng.nextU32();
    for (let k = 0; k < 4 && i + k < length; k++) out[i + k] = (word >>> (8 * k)) & 0xff;
  }
  return out;
}

export const BYTE_MUTATIONS: Mutation[] = [
  {
    name: 'flip bits',
    apply: (b, rng) => {
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      for (let k = 1 + rng.int(8); k > 0; k--) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    },
  },
  {
    name: 'overwrite bytes',
    apply: (b, rng) => {
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      for (let k = 1 + rng.int(4); k > 0; k--)
        out[rng.int(out.length)] = pick(rng, [0, 0xff, 0x7f, 0x80, rng.int(256)]);
      return out;
    },
  },
  {
    name: 'overwrite a u32 (big-endian)',
    apply: (b, rng) => {
      if (b.length < 4) return b;
      const out = Buffer.from(b);
      out.writeUInt32BE(pick(rng, INTERESTING_U32), rng.int(out.length - 3));
      return out;
    },
  },
  {
    name: 'overwrite a u64 (little-endian)',
    apply: (b, rng) => {
      if (b.length < 8) return b;
      const out = Buffer.from(b);
      out.writeBigUInt64LE(pick(rng, INTERESTING_U64), rng.int(out.length - 7));
      return out;
    },
  },
  { name: 'truncate', apply: (b, rng) => b.subarray(0, rng.int(b.length + 1)) },
  { name: 'truncate the last few bytes', apply: (b, rng) => b.subarray(0, Math.max(0, b.length - 1 - rng.int(16))) },
  { name: 'extend with random bytes', apply: (b, rng) => Buffer.concat([b, randomBytes(rng, 1 + rng.int(64))]) },
  { name: 'extend with zeros', apply: (b, rng) => Buffer.concat([b, Buffer.alloc(1 + rng.int(4096))]) },
  {
    name: 'insert a span',
    apply: (b, rng) => {
      const at = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), randomBytes(rng, 1 + rng.int(16)), b.subarray(at)]);
    },
  },
  {
    name: 'delete a span',
    apply: (b, rng) => {
      const at = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(16)))]);
    },
  },
  {
    name: 'duplicate a span',
    apply: (b, rng) => {
      const at = rng.int(b.length + 1);
      const span = b.subarray(at, at + 1 + rng.int(64));
      return Buffer.concat([b.subarray(0, at), span, span, b.subarray(at + span.length)]);
    },
  },
  { name: 'random file', apply: (_b, rng) => randomBytes(rng, rng.int(96)) },
];
