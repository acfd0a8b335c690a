// Fuzz target for the safetensors checkpoint reader (src/model/checkpoint.ts): valid files
// (8-byte little-endian header length, space-padded JSON header, F32/I64 data, a sha256 in
// the metadata) built here, then header rewrites: dtypes, shapes, data_offsets that are huge,
// negative, reversed or overlap another tensor's, missing fields, extra or missing tensors,
// odd metadata and checksums, a wrong header length, deeply nested JSON values, non-finite
// weights with a matching checksum; beside the byte-level mutations.
import {
  readSafetensors,
  checksumOf,
  CheckpointError,
  CHECKPOINT_FORMAT,
  type Safetensors,
} from '../../src/model/checkpoint';
import { Rng } from '../../src/train/rng';
import { INTERESTING_U64, pick, randomBytes, type Mutation } from './mutate';
import { mutateSome, type FuzzTarget } from './target';

type Header = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Stands for a deeply nested array in a header; replaced in the JSON text (stringify would recurse). */
const DEEP = '\u0000deep\u0000';
const DEEP_TEXT = '['.repeat(20000) + ']'.repeat(20000);

export function encode(header: Header, data: Buffer, pad = true): Buffer {
  let text = JSON.stringify(header);
  text = text.split(JSON.stringify(DEEP)).join(DEEP_TEXT);
  const json = Buffer.from(text, 'utf8');
  const padded = pad ? Math.ceil(json.length / 8) * 8 : json.length;
  const out = Buffer.alloc(8 + padded + data.length, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(out, 8);
  data.copy(out, 8 + padded);
  return out;
}

/** The header and data of a file, or null when the file does not parse. */
export function decode(bytes: Buffer): { header: Header; data: Buffer } | null {
  if (bytes.length < 8) return null;
  const length = bytes.readBigUInt64LE(0);
  if (length > BigInt(bytes.length - 8)) return null;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(length)));
    const header = JSON.parse(text);
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return null;
    return { header, data: bytes.subarray(8 + Number(length)) };
  } catch {
    return null;
  }
}

/** The checksum of `data` under the header's metadata (which it covers too), when the metadata are strings. */
function fixedChecksum(h: Header, data: Buffer): void {
  const m = h.__metadata__;
  if (!m || typeof m !== 'object' || Array.isArray(m)) return;
  const { checksum: _old, ...rest } = m;
  m.checksum = checksumOf([data], rest);
}

function validCheckpoint(rng: Rng): Buffer {
  const header: Header = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (let t = 0, n = 1 + rng.int(4); t < n; t++) {
    const i64 = rng.int(6) === 0;
    const shape = i64 ? [] : Array.from({ length: rng.int(4) }, () => rng.int(5));
    const count = shape.reduce((a, b) => a * b, 1);
    const data = Buffer.alloc(count * (i64 ? 8 : 4));
    for (let k = 0; k < count; k++) {
      if (i64) data.writeBigInt64LE(BigInt(rng.int(100000)), k * 8);
      else data.writeFloatLE(rng.normal(), k * 4);
    }
    const name =
      pick(rng, ['conv1.weight', 'conv1.bias', 'fc.weight', 'bn.num_batches_tracked', 'optimizer.momentum.fc.weight']) +
      `.${t}`;
    header[name] = { dtype: i64 ? 'I64' : 'F32', shape, data_offsets: [offset, offset + data.length] };
    offset += data.length;
    chunks.push(data);
  }
  const data = Buffer.concat(chunks);
  header.__metadata__ = { model: '{"name":"fuzz"}', format: CHECKPOINT_FORMAT };
  fixedChecksum(header, data);
  return encode(header, data);
}

/** A JSON value that is wrong for most fields. */
function oddValue(rng: Rng): unknown {
  return pick(rng, [
    -1,
    0.5,
    2 ** 53,
    2 ** 64,
    1e308,
    null,
    true,
    '',
    'F32',
    '1',
    [],
    {},
    [-1],
    [0.5],
    [2 ** 53],
    ['1'],
    [[1]],
    DEEP,
    'x'.repeat(100000),
    { a: 1 },
  ]);
}

function tensorNames(header: Header): string[] {
  return Object.keys(header).filter((k) => k !== '__metadata__');
}

/** A header rewrite: decode, change, encode again with a correct header length. */
function rewrite(name: string, change: (h: Header, data: Buffer, rng: Rng) => Buffer | void): Mutation {
  return {
    name,
    apply: (b, rng) => {
      const parsed = decode(b);
      if (!parsed) return b;
      const data = change(parsed.header, Buffer.from(parsed.data), rng) ?? parsed.data;
      try {
        return encode(parsed.header, data);
      } catch {
        return b; // a header nested too deeply to encode again (an earlier rewrite made it)
      }
    },
  };
}

function someTensor(h: Header, rng: Rng): Header | null {
  const names = tensorNames(h).filter((n) => typeof h[n] === 'object' && h[n] !== null);
  return names.length === 0 ? null : h[pick(rng, names)];
}

const headerRewrites: Mutation[] = [
  rewrite('dtype', (h, _d, rng) => {
    const t = someTensor(h, rng);
    if (t)
      t.dtype =
        rng.int(2) === 0 ? pick(rng, ['F16', 'BF16', 'F64', 'I32', 'U8', 'BOOL', 'I64', 'F32', 'f32']) : oddValue(rng);
  }),
  rewrite('shape', (h, _d, rng) => {
    const t = someTensor(h, rng);
    if (!t) return;
    const s = Array.isArray(t.shape) ? [...t.shape] : [];
    const r = rng.int(5);
    if (r === 0) t.shape = oddValue(rng);
    else if (r === 1) t.shape = [...s, pick(rng, [0, 1, 2, 2 ** 31, 2 ** 32, 2 ** 53 - 1])];
    else if (r === 2) t.shape = s.slice(1);
    else if (r === 3 && s.length > 0) {
      s[rng.int(s.length)] = pick(rng, [-1, 0, 1.5, 2 ** 40, 2 ** 53, -0, 1e300]);
      t.shape = s;
    } else t.shape = [2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20];
  }),
  rewrite('data_offsets', (h, d, rng) => {
    const t = someTensor(h, rng);
    if (!t) return;
    const o = Array.isArray(t.data_offsets) ? [...t.data_offsets] : [0, 0];
    const big = Number(pick(rng, INTERESTING_U64));
    const r = rng.int(7);
    if (r === 0) t.data_offsets = oddValue(rng);
    else if (r === 1) t.data_offsets = [o[1], o[0]];
    else if (r === 2) t.data_offsets = [o[0], big];
    else if (r === 3) t.data_offsets = [big, big + (o[1] - o[0])];
    else if (r === 4) t.data_offsets = [o[0] + pick(rng, [-4, -1, 1, 4]), o[1] + pick(rng, [-4, -1, 0, 1, 4])];
    else if (r === 5) t.data_offsets = [0, d.length];
    else t.data_offsets = [o[0], o[1], 0];
  }),
  rewrite('overlapping tensors', (h, _d, rng) => {
    const names = tensorNames(h);
    if (names.length < 2) return;
    const a = h[pick(rng, names)];
    const b = h[pick(rng, names)];
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      b.data_offsets = a.data_offsets;
      b.shape = a.shape;
      b.dtype = a.dtype;
    }
  }),
  rewrite('a missing field', (h, _d, rng) => {
    const t = someTensor(h, rng);
    if (t) delete t[pick(rng, ['dtype', 'shape', 'data_offsets'])];
  }),
  rewrite('an extra tensor', (h, _d, rng) => {
    const t = someTensor(h, rng);
    h[pick(rng, ['extra', '__proto__', 'constructor', '', 'x'.repeat(10000)])] =
      rng.int(2) === 0 && t ? { ...t } : oddValue(rng);
  }),
  rewrite('a missing tensor', (h, _d, rng) => {
    const names = tensorNames(h);
    if (names.length > 0) delete h[pick(rng, names)];
  }),
  rewrite('metadata', (h, _d, rng) => {
    const r = rng.int(4);
    if (r === 0) h.__metadata__ = oddValue(rng);
    else if (r === 1)
      h.__metadata__ = { ...(h.__metadata__ ?? {}), [pick(rng, ['model', 'checksum', 'x'])]: oddValue(rng) };
    else if (r === 2)
      h.__metadata__ = {
        ...(h.__metadata__ ?? {}),
        checksum: pick(rng, ['md5:00', 'sha256:', 'sha256:' + '0'.repeat(64), 'SHA256:AB', '']),
      };
    else if (h.__metadata__ && typeof h.__metadata__ === 'object') delete h.__metadata__.checksum;
  }),
  rewrite('a non-finite weight, checksum fixed', (h, d, rng) => {
    const f32 = tensorNames(h)
      .map((n) => h[n])
      .filter((t) => t?.dtype === 'F32' && t.data_offsets[1] > t.data_offsets[0]);
    if (f32.length === 0) return;
    const t = pick(rng, f32);
    const at = t.data_offsets[0] + 4 * rng.int((t.data_offsets[1] - t.data_offsets[0]) / 4);
    d.writeFloatLE(pick(rng, [NaN, Infinity, -Infinity]), at);
    fixedChecksum(h, d);
    return d;
  }),
  rewrite('changed data, checksum fixed', (h, d, rng) => {
    if (d.length === 0) return;
    d[rng.int(d.length)] ^= 1 << rng.int(8);
    fixedChecksum(h, d);
    return d;
  }),
  {
    name: 'header length',
    apply: (b, rng) => {
      if (b.length < 8) return b;
      const out = Buffer.from(b);
      const declared = out.readBigUInt64LE(0);
      const r = rng.int(3);
      const value =
        r === 0
          ? pick(rng, INTERESTING_U64)
          : r === 1
            ? declared + BigInt(pick(rng, [-9, -1, 1, 8]))
            : BigInt(out.length - 8 + rng.int(3));
      out.writeBigUInt64LE(value < 0n ? 0n : value & ((1n << 64n) - 1n), 0);
      return out;
    },
  },
  {
    name: 'header text',
    apply: (b, rng) => {
      const parsed = decode(b);
      const data = parsed?.data ?? Buffer.alloc(0);
      const text = pick(rng, ['[]', '1', 'null', '"x"', '{', '{"a":', '{"a":1,"a":2}', '\ufeff{}', '{}']);
      const raw = rng.int(4) === 0 ? Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) : Buffer.from(text, 'utf8');
      const out = Buffer.alloc(8);
      out.writeBigUInt64LE(BigInt(raw.length));
      return Buffer.concat([out, raw, data]);
    },
  },
  {
    name: 'unpadded header',
    apply: (b) => {
      const parsed = decode(b);
      try {
        return parsed ? encode(parsed.header, parsed.data, false) : b;
      } catch {
        return b;
      }
    },
  },
  {
    name: 'random header bytes',
    apply: (b, rng) => {
      const out = Buffer.from(b);
      const n = Math.min(out.length, 8 + 64);
      if (n > 8) out[8 + rng.int(n - 8)] = rng.int(256);
      return out;
    },
  },
  {
    name: 'random data',
    apply: (b, rng) =>
      Buffer.concat([b.subarray(0, Math.max(0, b.length - 8)), randomBytes(rng, Math.min(8, b.length))]),
  },
];

function sameShape(a: unknown, b: number[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((d, i) => d === b[i]);
}

export const checkpointTarget: FuzzTarget = {
  name: 'checkpoint',
  errorClass: CheckpointError,
  makeCase(rng) {
    const mutations: string[] = [];
    return { bytes: mutateSome(validCheckpoint(rng), headerRewrites, rng, mutations), ext: '.safetensors', mutations };
  },
  load: (file) => readSafetensors(file),
  checkLoaded(result, bytes) {
    const { tensors, metadata } = result as Safetensors;
    const parsed = decode(bytes);
    if (!parsed) return 'a file whose header does not parse was loaded';
    const { header, data } = parsed;
    const names = tensorNames(header);
    if (names.length !== tensors.size) return `${tensors.size} tensors returned for ${names.length} in the header`;
    let covered = 0;
    for (const name of names) {
      const entry = header[name];
      const t = tensors.get(name);
      if (!t) return `tensor ${name} is missing from the result`;
      if (!sameShape(entry.shape, t.shape))
        return `tensor ${name}: shape [${t.shape}] returned for ${JSON.stringify(entry.shape)}`;
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== count) return `tensor ${name}: ${t.data.length} values returned for shape [${t.shape}]`;
      const [begin, end] = entry.data_offsets;
      const raw = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      if (!raw.equals(data.subarray(begin, end))) return `tensor ${name}: values differ from bytes ${begin}..${end}`;
      if (t.data instanceof Float32Array && t.data.some((v) => !Number.isFinite(v)))
        return `tensor ${name}: a non-finite value was loaded`;
      covered += end - begin;
    }
    if (covered !== data.length) return `the tensors cover ${covered} of ${data.length} data bytes`;
    const checksum = header.__metadata__?.checksum;
    if (checksum !== undefined && String(checksum).toLowerCase() !== checksumOf([data], metadata))
      return `loaded despite checksum ${String(checksum).slice(0, 80)}`;
    if (JSON.stringify(metadata) !== JSON.stringify(header.__metadata__ ?? {}))
      return 'the metadata differ from the header';
    return null;
  },
  allowance: (bytes) => bytes.length,
};
