// Fuzz target for the CIFAR-10 batch reader (src/data/cifar.ts): valid batch files of one to
// five 3,073-byte records, with record-aware rewrites (a label out of range, sizes one byte
// off a whole record, CIFAR-100's 3,074-byte records) beside the byte-level mutations.
import { readCifarBatches, CIFAR10_RECORD_BYTES } from '../../src/data/cifar';
import type { ImageSet } from '../../src/data/dataset';
import { DataError } from '../../src/data/errors';
import { Rng } from '../../src/train/rng';
import { pick, randomBytes, type Mutation } from './mutate';
import { mutateSome, type FuzzTarget } from './target';

function validBatch(rng: Rng): Buffer {
  const records = 1 + rng.int(5);
  const out = randomBytes(rng, records * CIFAR10_RECORD_BYTES);
  for (let r = 0; r < records; r++) out[r * CIFAR10_RECORD_BYTES] = rng.int(10);
  return out;
}

const recordRewrites: Mutation[] = [
  {
    name: 'a label',
    apply: (b, rng) => {
      const records = Math.floor(b.length / CIFAR10_RECORD_BYTES);
      if (records === 0) return b;
      const out = Buffer.from(b);
      out[rng.int(records) * CIFAR10_RECORD_BYTES] = pick(rng, [9, 10, 11, 99, 255, rng.int(256)]);
      return out;
    },
  },
  { name: 'one byte short of whole records', apply: (b) => b.subarray(0, Math.max(0, b.length - 1)) },
  { name: 'one byte over whole records', apply: (b, rng) => Buffer.concat([b, randomBytes(rng, 1)]) },
  { name: 'an extra record', apply: (b, rng) => Buffer.concat([b, randomBytes(rng, CIFAR10_RECORD_BYTES)]) },
  { name: 'CIFAR-100 record size', apply: (b, rng) => randomBytes(rng, 3074 * (1 + rng.int(3))) },
  { name: 'empty', apply: () => Buffer.alloc(0) },
];

export const cifarTarget: FuzzTarget = {
  name: 'cifar',
  errorClass: DataError,
  makeCase(rng) {
    const mutations: string[] = [];
    return { bytes: mutateSome(validBatch(rng), recordRewrites, rng, mutations), ext: '.bin', mutations };
  },
  load: (file) => readCifarBatches([file]),
  checkLoaded(result, bytes) {
    const set = result as ImageSet;
    if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0)
      return `a file of ${bytes.length} bytes (not whole records) was loaded`;
    const records = bytes.length / CIFAR10_RECORD_BYTES;
    if (set.count !== records || set.labels.length !== records) return `${set.count} records returned for ${records}`;
    if (set.images.length !== records * 3072) return `${set.images.length} image bytes returned for ${records} records`;
    for (let r = 0; r < records; r++) {
      const at = r * CIFAR10_RECORD_BYTES;
      if (bytes[at] > 9) return `record ${r} with label ${bytes[at]} was loaded`;
      if (set.labels[r] !== bytes[at]) return `record ${r}: label ${set.labels[r]} returned for ${bytes[at]}`;
      if (
        !Buffer.from(set.images.buffer, set.images.byteOffset + r * 3072, 3072).equals(
          bytes.subarray(at + 1, at + CIFAR10_RECORD_BYTES),
        )
      ) {
        return `record ${r}: the pixels differ from the file`;
      }
    }
    return null;
  },
  allowance: (bytes) => bytes.length,
};
