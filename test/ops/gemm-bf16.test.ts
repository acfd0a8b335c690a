// The bf16 GEMM (operands rounded to bfloat16, fp32 sums) on every path this machine runs:
// against a float64 reference of the rounded operands (fp32 rounding is the only error left),
// against the fp32 product (bfloat16's tolerance), bitwise the same on 1 and 2 threads, and
// the rounding itself (to nearest, ties to even; NaN and infinity kept).
import { describe, it, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';
import { randomF32 } from './reference';
import { Rng } from '../../src/train/rng';

const native = loadTestAddon();
const PATHS = ['amx', 'avx512bf16', 'portable'];
const initialPath = native.gemmBf16Path();
const initialThreads = native.getThreads();

/** Every element of xs rounded to the nearest bfloat16 (ties to even); NaN stays NaN. */
function bf16Array(xs: Float32Array): Float32Array {
  const out = xs.slice();
  const u = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isNaN(out[i])) u[i] = (((u[i] + 0x7fff + ((u[i] >>> 16) & 1)) >>> 16) << 16) >>> 0;
  }
  return out;
}

const bf16 = (x: number): number => bf16Array(new Float32Array([x]))[0];

interface Case {
  ta: boolean;
  tb: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
}

/** C from float64 sums of products, and the sum of their magnitudes. */
function reference(c: Case, a: Float32Array, b: Float32Array, c0: Float32Array) {
  const { ta, tb, m, n, k, alpha, beta } = c;
  const want = new Float64Array(m * n),
    mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0,
        abs = 0;
      for (let p = 0; p < k; p++) {
        const prod = (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
        sum += prod;
        abs += Math.abs(prod);
      }
      const prior = beta === 0 ? 0 : beta * c0[i * n + j];
      want[i * n + j] = alpha * sum + prior;
      mag[i * n + j] = Math.abs(alpha) * abs + Math.abs(prior);
    }
  }
  return { want, mag };
}

function run(c: Case, a: Float32Array, b: Float32Array, c0: Float32Array): Float32Array {
  const out = c0.slice();
  native.gemmBf16(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, b, c.beta, out);
  return out;
}

// Sizes straddle the register blocks (up to 32x32), an odd K (a padded pair), K slices of
// several hundred pairs, AMX's 16-pair tiles and the parallel threshold (128^3).
const SIZES: Array<[number, number, number]> = [
  [1, 1, 1],
  [7, 13, 5],
  [14, 32, 16],
  [15, 33, 33],
  [33, 17, 31],
  [40, 9, 600],
  [65, 97, 300],
  [130, 140, 1029],
];
const TRANSPOSES: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const cases = SIZES.flatMap(([m, n, k], si) =>
  TRANSPOSES.map(([ta, tb], ti) => {
    const c: Case = { ta, tb, m, n, k, alpha: ti % 2 ? 0.5 : 1, beta: ti === 3 ? 0.25 : ti === 1 ? 1 : 0 };
    const seed = si * 10 + ti;
    const a = randomF32(new Rng(seed + 1), m * k),
      b = randomF32(new Rng(seed + 2), k * n, -3, 3);
    const c0 = c.beta === 0 ? new Float32Array(m * n).fill(NaN) : randomF32(new Rng(seed + 3), m * n);
    return { c, a, b, c0, rounded: reference(c, bf16Array(a), bf16Array(b), c0), exact: reference(c, a, b, c0) };
  }),
);

const label = (c: Case) => `${c.m}x${c.n}x${c.k}${c.ta ? ' A^T' : ''}${c.tb ? ' B^T' : ''}`;

for (const path of PATHS) {
  describe(`bf16 GEMM, ${path} path`, () => {
    const available = native.setGemmBf16Path(path);
    after(() => {
      native.setGemmBf16Path(initialPath);
      native.setThreads(initialThreads);
    });
    const skip = available ? false : `this machine cannot run the ${path} path`;

    it('matches float64 sums of the bf16-rounded operands to fp32 rounding, on 1 and 2 threads', { skip }, () => {
      native.setGemmBf16Path(path);
      for (const threads of [1, 2]) {
        native.setThreads(threads);
        for (const { c, a, b, c0, rounded } of cases) {
          const got = run(c, a, b, c0);
          const eps = 1e-6 * (c.k + 8);
          for (let i = 0; i < got.length; i++) {
            const err = Math.abs(got[i] - rounded.want[i]);
            if (!(err <= eps * rounded.mag[i] + 1e-30)) {
              assert.fail(`${label(c)}, ${threads} threads: element ${i} is ${got[i]}, expected ${rounded.want[i]}`);
            }
          }
        }
      }
    });

    it('stays within bfloat16 tolerance of the fp32 product', { skip }, () => {
      native.setGemmBf16Path(path);
      native.setThreads(2);
      for (const { c, a, b, c0, exact } of cases) {
        const got = run(c, a, b, c0);
        for (let i = 0; i < got.length; i++) {
          // bfloat16 keeps 8 significant bits: each operand is off by at most 2^-8 of itself,
          // so each product by at most about 2^-7 of its size.
          const bound = (2 ** -7 + 1e-6 * (c.k + 8)) * exact.mag[i] + 1e-30;
          assert.ok(
            Math.abs(got[i] - exact.want[i]) <= bound,
            `${label(c)}: element ${i} is ${got[i]}, fp32 ${exact.want[i]}`,
          );
        }
      }
    });

    it('gives the same bits on 1 and 2 threads', { skip }, () => {
      native.setGemmBf16Path(path);
      const { c, a, b, c0 } = cases[cases.length - 1];
      native.setThreads(1);
      const one = run(c, a, b, c0);
      native.setThreads(2);
      assert.deepEqual(run(c, a, b, c0), one);
    });

    it('rounds to nearest, ties to even, and keeps NaN and infinity', { skip }, () => {
      native.setGemmBf16Path(path);
      // 1 + 2^-8 lies halfway between bfloat16's 1 and 1 + 2^-7: to even, 1. 1 + 3 * 2^-8 lies
      // halfway between 1 + 2^-7 and 1 + 2^-6: to even, 1 + 2^-6. Just above halfway rounds up.
      const inputs = [1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, -(1 + 2 ** -8), 3.14159, 1e-3, 65504.5];
      const expected = [1, 1 + 2 ** -6, 1 + 2 ** -7, -1, bf16(3.14159), bf16(1e-3), bf16(65504.5)];
      for (let i = 0; i < inputs.length; i++) {
        const out = new Float32Array(1);
        native.gemmBf16(false, false, 1, 1, 1, 1, new Float32Array([inputs[i]]), new Float32Array([1]), 0, out);
        assert.equal(out[0], Math.fround(expected[i]), `input ${inputs[i]}`);
      }
      const special = (x: number) => {
        const out = new Float32Array(1);
        native.gemmBf16(false, false, 1, 1, 1, 1, new Float32Array([x]), new Float32Array([1]), 0, out);
        return out[0];
      };
      assert.ok(Number.isNaN(special(NaN)));
      assert.equal(special(Infinity), Infinity);
      assert.equal(special(-Infinity), -Infinity);
    });
  });
}

describe('bf16 GEMM path selection', () => {
  it('prefers AMX, then AVX512-BF16, and refuses unknown names', () => {
    const runs = PATHS.filter((p) => native.setGemmBf16Path(p));
    native.setGemmBf16Path(initialPath);
    assert.ok(runs.includes('portable'));
    assert.equal(
      initialPath,
      process.env.CNN_GEMM_PATH && runs.includes(process.env.CNN_GEMM_PATH) ? process.env.CNN_GEMM_PATH : runs[0],
    );
    assert.equal(native.setGemmBf16Path('avx512'), false);
    assert.equal(native.setGemmBf16Path('fastest'), false);
  });
});
