// Float64 references for the model zoo's extra layers (batch norm, dropout, element-wise
// add, local response normalisation), written straight from their definitions (PyTorch's
// BatchNorm2d, Dropout, LocalResponseNorm), and a BigInt copy of the dropout keep hash, so
// the native masks can be checked bit for bit. Layout NCHW viewed as (n, c, s), s = H*W.
import type { Vec } from './reference';

export interface LrnSettings {
  size: number;
  alpha: number;
  beta: number;
  k: number;
}

// ---- batch norm ----

export interface BatchNormTrainRef {
  y: Float64Array;
  mean: Float64Array;
  /** Biased (divided by n*s) batch variance. */
  variance: Float64Array;
  invStd: Float64Array;
  runningMean: Float64Array;
  runningVar: Float64Array;
}

const at = (img: number, ch: number, i: number, c: number, s: number) => (img * c + ch) * s + i;

/** Training forward with batch statistics, and PyTorch's running-statistics update. */
export function batchNormTrainRef(
  n: number,
  c: number,
  s: number,
  x: Vec,
  gamma: Vec,
  beta: Vec,
  eps: number,
  momentum: number,
  runningMean: Vec,
  runningVar: Vec,
): BatchNormTrainRef {
  const m = n * s;
  const out: BatchNormTrainRef = {
    y: new Float64Array(n * c * s),
    mean: new Float64Array(c),
    variance: new Float64Array(c),
    invStd: new Float64Array(c),
    runningMean: new Float64Array(c),
    runningVar: new Float64Array(c),
  };
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let img = 0; img < n; img++) for (let i = 0; i < s; i++) sum += x[at(img, ch, i, c, s)];
    const mean = sum / m;
    let sq = 0;
    for (let img = 0; img < n; img++) for (let i = 0; i < s; i++) sq += (x[at(img, ch, i, c, s)] - mean) ** 2;
    const variance = sq / m;
    const invStd = 1 / Math.sqrt(variance + eps);
    for (let img = 0; img < n; img++)
      for (let i = 0; i < s; i++) {
        const k = at(img, ch, i, c, s);
        out.y[k] = gamma[ch] * (x[k] - mean) * invStd + beta[ch];
      }
    out.mean[ch] = mean;
    out.variance[ch] = variance;
    out.invStd[ch] = invStd;
    const unbiased = m > 1 ? (variance * m) / (m - 1) : variance;
    out.runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mean;
    out.runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * unbiased;
  }
  return out;
}

/** Evaluation forward with the running statistics. */
export function batchNormEvalRef(
  n: number,
  c: number,
  s: number,
  x: Vec,
  gamma: Vec,
  beta: Vec,
  runningMean: Vec,
  runningVar: Vec,
  eps: number,
): Float64Array {
  const y = new Float64Array(n * c * s);
  for (let k = 0; k < y.length; k++) {
    const ch = Math.floor(k / s) % c;
    y[k] = (gamma[ch] * (x[k] - runningMean[ch])) / Math.sqrt(runningVar[ch] + eps) + beta[ch];
  }
  return y;
}

// ---- dropout ----

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * The keep mask the kernel must draw: element i survives when the top 32 bits of
 * splitmix64's i-th output under the key mix64((seed << 32 | stream) + golden) are at least
 * floor(p * 2^32), p rounded to float32 first as the kernel receives it.
 */
export function dropoutMaskRef(count: number, p: number, seed: number, stream: number): Uint8Array {
  const key = mix64((((BigInt(seed >>> 0) << 32n) | BigInt(stream >>> 0)) + GOLDEN) & MASK64);
  const threshold = BigInt(Math.floor(Math.fround(p) * 4294967296));
  const mask = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const h = mix64((key + BigInt(i + 1) * GOLDEN) & MASK64);
    mask[i] = h >> 32n >= threshold ? 1 : 0;
  }
  return mask;
}

/** The float32 factor survivors are multiplied by: 1 / (1 - p). */
export function dropoutScale(p: number): number {
  return Math.fround(1 / (1 - Math.fround(p)));
}

export function dropoutRef(x: Vec, mask: Uint8Array, p: number): Float64Array {
  const scale = dropoutScale(p);
  return Float64Array.from(x, (v, i) => (mask[i] ? v * scale : 0));
}

// ---- local response normalisation ----

/** PyTorch's LocalResponseNorm: the window of output c is [c - size/2, c + (size-1)/2], divided by size. */
export function lrnRef(
  n: number,
  c: number,
  s: number,
  lrn: LrnSettings,
  x: Vec,
): { y: Float64Array; scale: Float64Array } {
  const y = new Float64Array(n * c * s),
    scale = new Float64Array(n * c * s);
  const before = Math.floor(lrn.size / 2),
    after = Math.floor((lrn.size - 1) / 2);
  for (let img = 0; img < n; img++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < s; i++) {
        let sum = 0;
        for (let cc = ch - before; cc <= ch + after; cc++) if (cc >= 0 && cc < c) sum += x[at(img, cc, i, c, s)] ** 2;
        const k = at(img, ch, i, c, s);
        scale[k] = lrn.k + (lrn.alpha / lrn.size) * sum;
        y[k] = x[k] * Math.pow(scale[k], -lrn.beta);
      }
  return { y, scale };
}
