// What the fuzz runner needs to know about one reader: how to make a case (a valid file in
// the real format, then mutated), how to load a file with the reader, which error class is
// ours, and how to check that a load which succeeded returned what the bytes say.
import { Rng } from '../../src/train/rng';
import { BYTE_MUTATIONS, type Mutation } from './mutate';

export interface FuzzCase {
  bytes: Buffer;
  /** The file name's ending, which some readers act on ('.gz'). */
  ext: string;
  /** The mutations applied, in order, for the failure report. */
  mutations: string[];
}

export interface FuzzTarget {
  name: 'idx' | 'cifar' | 'checkpoint' | 'model' | 'metadata';
  /** The error class every refusal must be an instance of. */
  errorClass: new (...args: never[]) => Error;
  makeCase(rng: Rng): FuzzCase;
  /** Calls the reader on the file. */
  load(file: string): unknown;
  /** Null when `result` is what a correct reader returns for `bytes`, else what is wrong. */
  checkLoaded(result: unknown, bytes: Buffer, ext: string): string | null;
  /** The most bytes the reader may allocate for this file: what its size (decompressed, for .gz) suggests. */
  allowance(bytes: Buffer, ext: string): number;
}

/** Applies 0..3 mutations, drawn from the format-aware ones and the byte-level ones. */
export function mutateSome(bytes: Buffer, structural: Mutation[], rng: Rng, names: string[]): Buffer {
  // About one case in 40 stays valid, so every run also checks that good files still load.
  const count = rng.int(40) === 0 ? 0 : 1 + rng.int(3);
  let out = bytes;
  for (let k = 0; k < count; k++) {
    const pool = rng.int(2) === 0 ? structural : BYTE_MUTATIONS;
    const m = pool[rng.int(pool.length)];
    try {
      out = m.apply(out, rng);
      names.push(m.name);
    } catch {
      // The mutation does not fit what earlier ones left (e.g. offsets past the data): skip it.
    }
  }
  return out;
}

/**
 * The error a JSON-level target (model files, checkpoint metadata) refuses with: the plain
 * Errors (or `ours`) the code under test throws for bad input, prefixed with the file. Any
 * other error (a TypeError, a RangeError such as a stack overflow) passes through unwrapped,
 * so the runner reports it as a failure.
 */
export class RefusedInput extends Error {}

export function refusedAs<T>(file: string, load: () => T, ours?: new (...args: never[]) => Error): T {
  try {
    return load();
  } catch (e) {
    const plain = e instanceof Error && (e.constructor === Error || (ours !== undefined && e instanceof ours));
    if (!plain) throw e;
    const message = (e as Error).message;
    throw new RefusedInput(message.includes(file) ? message : `${file}: ${message}`);
  }
}

/** A JSON value that is wrong for most fields: huge, negative, fractional, of the wrong type. */
export const ODD_JSON_VALUES: readonly unknown[] = [
  -1,
  0,
  0.5,
  1e9,
  2 ** 31,
  2 ** 53,
  1e308,
  -1e308,
  null,
  true,
  '',
  '1',
  [],
  {},
  [-1],
  [0.5],
  [2 ** 40],
  [1, 2, 3, 4],
  { a: 1 },
];
