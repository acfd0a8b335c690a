// The GEMM engine against a float64 reference: every micro-kernel path this CPU runs, on
// 1 and 2 threads, all four transpose combinations, alpha/beta variants, sizes that are not
// multiples of the register or cache blocks, empty sizes, determinism and argument checks.
import { describe, it, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';

const native = loadTestAddon();
const PATHS = ['avx512', 'avx2', 'portable'];
const initialPath = native.gemmPath();
const initialThreads = native.getThreads();

/** Deterministic pseudo-random values in [-1, 1). */
function randomArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

interface Case {
  ta: boolean;
  tb: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
}

/** Reference in float64: the expected C and, per element, a bound on its rounding error. */
function reference(
  c: Case,
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array,
): { want: Float64Array; bound: Float64Array } {
  const { ta, tb, m, n, k, alpha, beta } = c;
  const want = new Float64Array(m * n),
    bound = new Float64Array(m * n);
  const eps = 1e-6 * (k + 8);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0,
        mag = 0;
      for (let p = 0; p < k; p++) {
        const av = ta ? a[p * m + i] : a[i * k + p];
        const bv = tb ? b[j * k + p] : b[p * n + j];
        sum += av * bv;
        mag += Math.abs(av * bv);
      }
      const prior = beta === 0 ? 0 : beta * c0[i * n + j];
      want[i * n + j] = alpha * sum + prior;
      bound[i * n + j] = eps * (Math.abs(alpha) * mag + Math.abs(prior)) + 1e-30;
    }
  }
  return { want, bound };
}

function runGemm(c: Case, a: Float32Array, b: Float32Array, c0: Float32Array): Float32Array {
  const out = c0.slice();
  native.gemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, b, c.beta, out);
  return out;
}

function assertClose(got: Float32Array, want: Float64Array, bound: Float64Array, label: string): void {
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= bound[i])) assert.fail(`${label}: element ${i} is ${got[i]}, expected ${want[i]} (bound ${bound[i]})`);
  }
}

// Register blocks are at most 14x32, cache blocks at most 2688 rows, 384 of K and 480 columns,
// B is read in place (not packed) for up to 4 row panels of A or when A's block and one B
// panel fit in 48 KiB (short K), and products above 128^3 run in parallel: these sizes
// straddle all of them, on both sides.
const SIZES: Array<[number, number, number]> = [
  [1, 1, 1],
  [7, 13, 5],
  [14, 32, 16],
  [15, 33, 17],
  [40, 9, 3],
  [6, 600, 25],
  [65, 97, 300],
  [257, 33, 1029],
  [40, 1000, 60],
  [2700, 20, 40],
  [48, 50, 800],
  [100, 70, 60],
  [128, 70, 800],
];
const TRANSPOSES: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const SCALARS: Array<[number, number]> = [
  [1, 0],
  [1, 1],
  [0.5, -2],
  [-1.5, 0.25],
];

/** Every case with its inputs and reference, computed once and shared by all paths. */
const cases = SIZES.flatMap(([m, n, k], si) =>
  TRANSPOSES.flatMap(([ta, tb], ti) => {
    const scalars = m * n * k > 1e6 ? SCALARS.slice(0, 2) : SCALARS;
    return scalars.map(([alpha, beta], ci) => {
      const c: Case = { ta, tb, m, n, k, alpha, beta };
      const seed = si * 100 + ti * 10 + ci;
      const a = randomArray(m * k, seed + 1),
        b = randomArray(k * n, seed + 2);
      const c0 = beta === 0 ? new Float32Array(m * n).fill(NaN) : randomArray(m * n, seed + 3);
      return { c, a, b, c0, ...reference(c, a, b, c0) };
    });
  }),
);

const supported = PATHS.filter((p) => native.setGemmPath(p));

after(() => {
  native.setGemmPath(initialPath);
  native.setThreads(initialThreads);
});

for (const path of PATHS) {
  describe(`gemm on the ${path} path`, { skip: supported.includes(path) ? false : `CPU lacks ${path}` }, () => {
    for (const threads of [1, 2]) {
      it(`matches the float64 reference on ${threads} thread(s)`, () => {
        assert.equal(native.setGemmPath(path), true);
        native.setThreads(threads);
        assert.equal(native.gemmPath(), path);
        for (const t of cases) {
          const label = `${path} x${threads} ${JSON.stringify(t.c)}`;
          assertClose(runGemm(t.c, t.a, t.b, t.c0), t.want, t.bound, label);
        }
      });
    }

    it('treats zero sizes as no-ops and beta 0 as overwrite', () => {
      assert.equal(native.setGemmPath(path), true);
      native.setThreads(2);
      const empty = new Float32Array(0);
      const c = new Float32Array(12).fill(3);
      native.gemm(false, false, 3, 4, 0, 1, empty, empty, 1, c); // k = 0, beta 1: C unchanged
      assert.deepEqual(Array.from(c), new Array(12).fill(3));
      native.gemm(false, false, 3, 4, 0, 1, empty, empty, 0.5, c); // k = 0: C = beta * C
      assert.deepEqual(Array.from(c), new Array(12).fill(1.5));
      native.gemm(false, false, 0, 4, 5, 1, empty, new Float32Array(20), 0, empty);
      native.gemm(true, true, 3, 0, 5, 1, new Float32Array(15), empty, 0, empty);
      const nan = new Float32Array(4).fill(NaN);
      native.gemm(false, false, 2, 2, 1, 0, new Float32Array(2), new Float32Array(2), 0, nan); // alpha 0, beta 0
      assert.deepEqual(Array.from(nan), [0, 0, 0, 0]);
    });

    it('gives bitwise equal results twice and on 1 and 2 threads', () => {
      assert.equal(native.setGemmPath(path), true);
      const [m, n, k] = [130, 190, 700];
      const a = randomArray(m * k, 7),
        b = randomArray(k * n, 8),
        c0 = randomArray(m * n, 9);
      const c: Case = { ta: false, tb: true, m, n, k, alpha: 0.75, beta: 0.5 };
      native.setThreads(1);
      const one = runGemm(c, a, b, c0);
      native.setThreads(2);
      const two = runGemm(c, a, b, c0),
        again = runGemm(c, a, b, c0);
      assert.deepEqual(Buffer.from(two.buffer), Buffer.from(again.buffer));
      assert.deepEqual(Buffer.from(one.buffer), Buffer.from(two.buffer));
    });
  });
}

describe('gemm argument checks', () => {
  const a = new Float32Array(6),
    b = new Float32Array(12),
    c = new Float32Array(8);

  it('accepts a well-formed call', () => {
    native.gemm(false, false, 2, 4, 3, 1, a, b, 0, c);
  });

  it('rejects wrong counts, types and values', () => {
    const g = native.gemm as unknown as (...args: unknown[]) => void;
    assert.throws(() => g(false, false, 2, 4, 3, 1, a, b, 0), TypeError);
    assert.throws(() => g(0, false, 2, 4, 3, 1, a, b, 0, c), TypeError);
    assert.throws(() => g(false, false, '2', 4, 3, 1, a, b, 0, c), TypeError);
    assert.throws(() => g(false, false, 2, 4, 3, 1, new Float64Array(6), b, 0, c), TypeError);
    assert.throws(() => g(false, false, 2, 4, 3, 1, a, b, 0, [0, 0, 0, 0, 0, 0, 0, 0]), TypeError);
    assert.throws(() => g(false, false, -1, 4, 3, 1, a, b, 0, c), RangeError);
    assert.throws(() => g(false, false, 2.5, 4, 3, 1, a, b, 0, c), RangeError);
    assert.throws(() => g(false, false, 2, 4, 3, NaN, a, b, 0, c), RangeError);
    assert.throws(() => g(false, false, 2, 4, 3, 1, a, b, Infinity, c), RangeError);
    assert.throws(() => g(false, false, 65536, 65536, 1, 1, a, b, 0, c), RangeError);
  });

  it('rejects arrays of the wrong length', () => {
    assert.throws(() => native.gemm(false, false, 2, 4, 3, 1, new Float32Array(5), b, 0, c), RangeError);
    assert.throws(() => native.gemm(false, false, 2, 4, 3, 1, a, new Float32Array(13), 0, c), RangeError);
    assert.throws(() => native.gemm(false, false, 2, 4, 3, 1, a, b, 0, new Float32Array(7)), RangeError);
  });

  it('rejects an output that shares memory with an input', () => {
    const buf = new Float32Array(32);
    const a2 = buf.subarray(0, 6),
      b2 = buf.subarray(6, 18),
      c2 = buf.subarray(16, 24);
    assert.throws(() => native.gemm(false, false, 2, 4, 3, 1, a2, b2, 0, c2), /share memory/);
    assert.throws(
      () => native.gemm(false, false, 2, 4, 3, 1, a, b, 0, new Float32Array(b.buffer, 0, 8)),
      /share memory/,
    );
  });

  it('rejects unknown paths and bad thread counts', () => {
    assert.equal(native.setGemmPath('sse9'), false);
    assert.throws(() => (native.setGemmPath as unknown as (x: unknown) => boolean)(3), TypeError);
    assert.throws(() => native.setThreads(0), RangeError);
    assert.ok(supported.includes(native.gemmPath()));
  });
});
