// Naive float64 reference implementations of the layer ops, a central finite-difference
// helper, and the small harness the op tests share (seeded inputs, tolerant comparison,
// running a check under every thread count and GEMM path). The references are written as
// directly from the definitions as possible, so that a disagreement points at the kernel.
import * as assert from 'node:assert/strict';
import { Rng } from '../../src/train/rng';
import type { Conv2dShape, Pool2dShape, ActivationKind, TestAddon } from '../test-addon';

export type Vec = Float32Array | Float64Array;

// ---- inputs ----

export function randomF32(rng: Rng, count: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(count);
  for (let i = 0; i < count; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Distinct values (gaps of at least `gap`) in random order: max pooling has no ties. */
export function distinctF32(rng: Rng, count: number, gap = 0.01): Float32Array {
  const a = new Float32Array(count);
  for (let i = 0; i < count; i++) a[i] = (i - count / 2) * gap;
  return rng.shuffle(a);
}

export function filled(count: number, value: number): Float32Array {
  return new Float32Array(count).fill(value);
}

/** L = sum(y * r): the scalar whose gradient with respect to y is r. */
export function dot(y: Vec, r: Vec): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * r[i];
  return s;
}

export function add(a: Vec, b: Vec): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

// ---- finite differences ----

/**
 * Central differences of a scalar function of v, evaluated in float64 (v is copied to
 * float64 first, so the step is not rounded to float32): (f(v + h e_i) - f(v - h e_i)) / 2h.
 */
export function finiteDifference(f: (v: Float64Array) => number, v: Vec, step = 1e-3): Float64Array {
  const p = Float64Array.from(v);
  const grad = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const keep = p[i];
    p[i] = keep + step;
    const up = f(p);
    p[i] = keep - step;
    const down = f(p);
    p[i] = keep;
    grad[i] = (up - down) / (2 * step);
  }
  return grad;
}

// ---- comparison ----

/**
 * Every |actual - expected| within tol * max(1, max |expected|): a relative bound on the
 * array's scale, loose enough for float32 rounding of sums, far too tight for a wrong
 * sign, a missing term or a transposed index.
 */
export function assertClose(actual: Vec, expected: Vec, what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= worstErr)) {
      worstErr = err;
      worst = i;
    } // NaN counts as worst
  }
  if (worst >= 0 && !(worstErr <= tol * scale)) {
    assert.fail(
      `${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} ` +
        `(error ${worstErr}, allowed ${tol * scale})`,
    );
  }
}

// ---- running under every configuration ----

export interface RunConfig {
  threads: number;
  gemmPath: string;
}

/** Threads 1 and 2, and with `allGemmPaths` every GEMM path this CPU runs. */
export function configurations(native: TestAddon, allGemmPaths = false): RunConfig[] {
  const hasPaths = typeof native.setGemmPath === 'function' && typeof native.gemmPath === 'function';
  const current = hasPaths ? native.gemmPath() : 'default';
  let paths = [current];
  if (allGemmPaths && hasPaths) {
    paths = ['avx512', 'avx2', 'portable'].filter((p) => native.setGemmPath(p));
    native.setGemmPath(current);
  }
  const out: RunConfig[] = [];
  for (const gemmPath of paths) for (const threads of [1, 2]) out.push({ threads, gemmPath });
  return out;
}

/** Runs body under each configuration, restoring the thread count and GEMM path after. */
export function forEachConfig(native: TestAddon, configs: RunConfig[], body: (c: RunConfig) => void): void {
  const hasThreads = typeof native.setThreads === 'function' && typeof native.getThreads === 'function';
  const hasPaths = typeof native.setGemmPath === 'function' && typeof native.gemmPath === 'function';
  const threadsBefore = hasThreads ? native.getThreads() : 0;
  const pathBefore = hasPaths ? native.gemmPath() : '';
  try {
    for (const c of configs) {
      if (hasThreads) native.setThreads(c.threads);
      if (hasPaths && c.gemmPath !== 'default') assert.ok(native.setGemmPath(c.gemmPath), `gemm path ${c.gemmPath}`);
      body(c);
    }
  } finally {
    if (hasThreads) native.setThreads(threadsBefore);
    if (hasPaths) native.setGemmPath(pathBefore);
  }
}

export function describeConfig(c: RunConfig): string {
  return `threads=${c.threads} gemm=${c.gemmPath}`;
}

// ---- convolution ----

export function convOutputSize(s: Conv2dShape | Pool2dShape): { oh: number; ow: number } {
  return {
    oh: Math.floor((s.h + 2 * s.ph - s.kh) / s.sh) + 1,
    ow: Math.floor((s.w + 2 * s.pw - s.kw) / s.sw) + 1,
  };
}

export function conv2dSizes(s: Conv2dShape): { x: number; w: number; y: number } {
  const { oh, ow } = convOutputSize(s);
  return { x: s.n * s.c * s.h * s.w, w: s.oc * s.c * s.kh * s.kw, y: s.n * s.oc * oh * ow };
}

/** y[n,o,i,j] = b[o] + sum_{c,p,q} w[o,c,p,q] * x[n, c, i*sh - ph + p, j*sw - pw + q]. */
export function conv2dRef(s: Conv2dShape, x: Vec, w: Vec, b: Vec | null): Float64Array {
  const { oh, ow } = convOutputSize(s);
  const y = new Float64Array(s.n * s.oc * oh * ow);
  for (let n = 0; n < s.n; n++)
    for (let o = 0; o < s.oc; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let sum = b ? b[o] : 0;
          for (let c = 0; c < s.c; c++)
            for (let p = 0; p < s.kh; p++)
              for (let q = 0; q < s.kw; q++) {
                const yy = i * s.sh - s.ph + p,
                  xx = j * s.sw - s.pw + q;
                if (yy < 0 || yy >= s.h || xx < 0 || xx >= s.w) continue;
                sum += w[((o * s.c + c) * s.kh + p) * s.kw + q] * x[((n * s.c + c) * s.h + yy) * s.w + xx];
              }
          y[((n * s.oc + o) * oh + i) * ow + j] = sum;
        }
  return y;
}

/** The exact gradients of sum(conv2dRef(x, w, b) * dy), by the adjoint of the loops above. */
export function conv2dBackwardRef(
  s: Conv2dShape,
  x: Vec,
  w: Vec,
  dy: Vec,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const { oh, ow } = convOutputSize(s);
  const dx = new Float64Array(x.length),
    dw = new Float64Array(w.length),
    db = new Float64Array(s.oc);
  for (let n = 0; n < s.n; n++)
    for (let o = 0; o < s.oc; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          const g = dy[((n * s.oc + o) * oh + i) * ow + j];
          db[o] += g;
          for (let c = 0; c < s.c; c++)
            for (let p = 0; p < s.kh; p++)
              for (let q = 0; q < s.kw; q++) {
                const yy = i * s.sh - s.ph + p,
                  xx = j * s.sw - s.pw + q;
                if (yy < 0 || yy >= s.h || xx < 0 || xx >= s.w) continue;
                const wi = ((o * s.c + c) * s.kh + p) * s.kw + q,
                  xi = ((n * s.c + c) * s.h + yy) * s.w + xx;
                dw[wi] += g * x[xi];
                dx[xi] += g * w[wi];
              }
        }
  return { dx, dw, db };
}

// ---- pooling ----

export function poolSizes(s: Pool2dShape): { x: number; y: number } {
  const { oh, ow } = convOutputSize(s);
  return { x: s.n * s.c * s.h * s.w, y: s.n * s.c * oh * ow };
}

/** Max over each window (padding is -inf); argmax is the first maximum in row-major order. */
export function maxPoolRef(s: Pool2dShape, x: Vec): { y: Float64Array; argmax: Int32Array } {
  const { oh, ow } = convOutputSize(s);
  const y = new Float64Array(s.n * s.c * oh * ow),
    argmax = new Int32Array(y.length);
  for (let plane = 0; plane < s.n * s.c; plane++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let best = -Infinity,
          at = -1;
        for (let p = 0; p < s.kh; p++)
          for (let q = 0; q < s.kw; q++) {
            const yy = i * s.sh - s.ph + p,
              xx = j * s.sw - s.pw + q;
            if (yy < 0 || yy >= s.h || xx < 0 || xx >= s.w) continue;
            const v = x[(plane * s.h + yy) * s.w + xx];
            if (at < 0 || v > best) {
              best = v;
              at = yy * s.w + xx;
            }
          }
        y[(plane * oh + i) * ow + j] = best;
        argmax[(plane * oh + i) * ow + j] = at;
      }
  return { y, argmax };
}

/** Mean over each window, padded cells counted as zeros (count_include_pad). */
export function avgPoolRef(s: Pool2dShape, x: Vec): Float64Array {
  const { oh, ow } = convOutputSize(s);
  const y = new Float64Array(s.n * s.c * oh * ow);
  for (let plane = 0; plane < s.n * s.c; plane++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let sum = 0;
        for (let p = 0; p < s.kh; p++)
          for (let q = 0; q < s.kw; q++) {
            const yy = i * s.sh - s.ph + p,
              xx = j * s.sw - s.pw + q;
            if (yy >= 0 && yy < s.h && xx >= 0 && xx < s.w) sum += x[(plane * s.h + yy) * s.w + xx];
          }
        y[(plane * oh + i) * ow + j] = sum / (s.kh * s.kw);
      }
  return y;
}

// ---- dense ----

/** y[n,o] = b[o] + sum_i x[n,i] w[o,i]. */
export function denseRef(n: number, inF: number, outF: number, x: Vec, w: Vec, b: Vec | null): Float64Array {
  const y = new Float64Array(n * outF);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < outF; o++) {
      let sum = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) sum += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = sum;
    }
  return y;
}

/** The exact gradients of sum(denseRef(x, w, b) * dy): dx = dy W, dw = dy^T x, db = column sums of dy. */
export function denseBackwardRef(
  n: number,
  inF: number,
  outF: number,
  x: Vec,
  w: Vec,
  dy: Vec,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(n * inF),
    dw = new Float64Array(outF * inF),
    db = new Float64Array(outF);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < outF; o++) {
      const g = dy[r * outF + o];
      db[o] += g;
      for (let i = 0; i < inF; i++) {
        dx[r * inF + i] += g * w[o * inF + i];
        dw[o * inF + i] += g * x[r * inF + i];
      }
    }
  return { dx, dw, db };
}

// ---- activations ----

export function activationScalar(kind: ActivationKind, v: number): number {
  switch (kind) {
    case 'relu':
      return v > 0 ? v : 0;
    case 'tanh':
      return Math.tanh(v);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'scaled-tanh':
      return 1.7159 * Math.tanh((2 / 3) * v);
  }
}

export function activationRef(kind: ActivationKind, x: Vec): Float64Array {
  return Float64Array.from(x, (v) => activationScalar(kind, v));
}

// ---- channel affine ----

export function channelAffineRef(n: number, c: number, s: number, x: Vec, scale: Vec, shift: Vec | null): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let k = 0; k < s; k++) {
        const at = (i * c + ch) * s + k;
        y[at] = scale[ch] * x[at] + (shift ? shift[ch] : 0);
      }
  return y;
}

// ---- softmax cross-entropy ----

/** Probabilities, summed loss -log p[label] and argmax hits, computed directly in float64. */
export function softmaxXentRef(
  n: number,
  k: number,
  logits: Vec,
  labels: Int32Array,
): { probs: Float64Array; lossSum: number; correct: number } {
  const probs = new Float64Array(n * k);
  let lossSum = 0,
    correct = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * k, (i + 1) * k);
    let max = -Infinity,
      best = 0;
    for (let j = 0; j < k; j++)
      if (row[j] > max) {
        max = row[j];
        best = j;
      }
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(row[j] - max);
    for (let j = 0; j < k; j++) probs[i * k + j] = Math.exp(row[j] - max) / sum;
    lossSum -= row[labels[i]] - max - Math.log(sum);
    if (best === labels[i]) correct++;
  }
  return { probs, lossSum, correct };
}

// ---- SGD ----

/** One step of PyTorch's SGD in float64; returns the new params and velocity. */
export function sgdRef(
  params: Vec,
  grads: Vec,
  velocity: Vec,
  lr: number,
  momentum: number,
  weightDecay: number,
): { params: Float64Array; velocity: Float64Array } {
  const p = Float64Array.from(params),
    v = Float64Array.from(velocity);
  for (let i = 0; i < p.length; i++) {
    const g = grads[i] + weightDecay * p[i];
    v[i] = momentum * v[i] + g;
    p[i] -= lr * v[i];
  }
  return { params: p, velocity: v };
}

// ---- AdamW ----

export interface AdamWState {
  params: Float64Array;
  expAvg: Float64Array;
  expAvgSq: Float64Array;
}

/** One step of torch.optim.AdamW (amsgrad off) in float64; step is the 1-based update count. */
export function adamwRef(
  state: AdamWState,
  grads: Vec,
  s: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number },
): AdamWState {
  const p = Float64Array.from(state.params),
    m = Float64Array.from(state.expAvg),
    v = Float64Array.from(state.expAvgSq);
  const c1 = 1 - s.beta1 ** s.step,
    c2 = 1 - s.beta2 ** s.step;
  for (let i = 0; i < p.length; i++) {
    p[i] *= 1 - s.lr * s.weightDecay;
    m[i] = s.beta1 * m[i] + (1 - s.beta1) * grads[i];
    v[i] = s.beta2 * v[i] + (1 - s.beta2) * grads[i] * grads[i];
    p[i] -= ((s.lr / c1) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(c2) + s.eps);
  }
  return { params: p, expAvg: m, expAvgSq: v };
}

/**
 * torch.nn.CrossEntropyLoss(weight, label_smoothing) with mean reduction, in float64: the
 * summed numerator and the divisor (sum of the labels' weights).
 */
export function weightedSmoothedXentRef(
  n: number,
  k: number,
  logits: Vec,
  labels: Int32Array,
  smoothing: number,
  weights: Vec | null,
): { lossSum: number; weightSum: number } {
  const w = (j: number) => (weights ? weights[j] : 1);
  let lossSum = 0,
    weightSum = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: k }, (_, j) => logits[i * k + j]);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((a, z) => a + Math.exp(z - max), 0));
    const logp = row.map((z) => z - max - logSum);
    const y = labels[i];
    lossSum += (1 - smoothing) * -w(y) * logp[y] + (smoothing / k) * logp.reduce((a, lp, j) => a - w(j) * lp, 0);
    weightSum += w(y);
  }
  return { lossSum, weightSum };
}
