// Loads cnn_test.node, the test addon built beside the product addon cnn.node from the same
// kernels (native/test_addon): the per-op functions the kernel tests call one at a time, each
// checking every argument and throwing TypeError/RangeError. Its thread count and GEMM and
// convolution paths are its own; cnn.node's networks do not see them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addonPath, limitOpenMpSpinning, type LossOptions } from '../src/native';

/** Shape of a 2-D convolution; output size is derived by the addon. */
export interface Conv2dShape {
  n: number;
  c: number;
  h: number;
  w: number;
  oc: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

/** Shape of a 2-D pooling window. */
export interface Pool2dShape {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

export type ActivationKind = 'relu' | 'tanh' | 'sigmoid' | 'scaled-tanh';

/** Per-op functions: synchronous, for tests and benchmarks. Output buffers are written in place. */
export interface TestAddon {
  setThreads(n: number): void;
  getThreads(): number;
  /** "avx512" | "avx2" | "portable" */
  gemmPath(): string;
  /** Forces a GEMM path; returns false if this CPU cannot run it. */
  setGemmPath(name: string): boolean;
  /** Convolution path: "auto" (measured thresholds), "gemm" (im2col + GEMM) or "direct" (small-channel kernels). */
  convPath(): string;
  /** Forces a convolution path ("auto" | "gemm" | "direct"); returns false for other names. */
  setConvPath(name: string): boolean;
  /** GFLOP/s of independent FMA chains on `threads` threads for about `seconds`: the CPU's ceiling. */
  fmaPeak(threads: number, seconds: number): number;

  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;
  /** gemm with a and b rounded to bfloat16 (nearest, ties to even) and fp32 sums. */
  gemmBf16(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;
  /** "amx" | "avx512bf16" | "portable" */
  gemmBf16Path(): string;
  /** Forces a bf16 GEMM path; returns false if this machine cannot run it. */
  setGemmBf16Path(name: string): boolean;
  /** The precision of the per-op convolutions and dense layers: "fp32" (at start) or "bf16". */
  opPrecision(): string;
  /** Sets it; returns false for another name. */
  setOpPrecision(name: string): boolean;

  conv2dForward(shape: Conv2dShape, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array): void;
  conv2dBackwardData(
    shape: Conv2dShape,
    dy: Float32Array,
    w: Float32Array,
    dx: Float32Array,
    accumulate: boolean,
  ): void;
  conv2dBackwardWeights(
    shape: Conv2dShape,
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    db: Float32Array | null,
  ): void;
  /**
   * The layer's whole backward: dw, db += and dx (=|+= by accumulate; null: not wanted). With
   * reluY, dy is the gradient of relu(conv) and reluY its output; the masked gradient goes to
   * dyMasked unless the direct kernels apply the mask image by image.
   */
  conv2dBackward(
    shape: Conv2dShape,
    x: Float32Array,
    dy: Float32Array,
    reluY: Float32Array | null,
    dyMasked: Float32Array,
    w: Float32Array,
    dw: Float32Array,
    db: Float32Array | null,
    dx: Float32Array | null,
    accumulate: boolean,
  ): void;

  maxPoolForward(shape: Pool2dShape, x: Float32Array, y: Float32Array, argmax: Int32Array): void;
  maxPoolBackward(
    shape: Pool2dShape,
    dy: Float32Array,
    argmax: Int32Array,
    dx: Float32Array,
    accumulate: boolean,
  ): void;
  avgPoolForward(shape: Pool2dShape, x: Float32Array, y: Float32Array): void;
  avgPoolBackward(shape: Pool2dShape, dy: Float32Array, dx: Float32Array, accumulate: boolean): void;

  denseForward(
    n: number,
    inFeatures: number,
    outFeatures: number,
    x: Float32Array,
    w: Float32Array,
    b: Float32Array | null,
    y: Float32Array,
  ): void;
  denseBackwardData(
    n: number,
    inFeatures: number,
    outFeatures: number,
    dy: Float32Array,
    w: Float32Array,
    dx: Float32Array,
    accumulate: boolean,
  ): void;
  denseBackwardWeights(
    n: number,
    inFeatures: number,
    outFeatures: number,
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    db: Float32Array | null,
  ): void;

  activationForward(kind: ActivationKind, x: Float32Array, y: Float32Array): void;
  activationBackward(
    kind: ActivationKind,
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    accumulate: boolean,
  ): void;

  channelAffineForward(
    n: number,
    c: number,
    s: number,
    x: Float32Array,
    scale: Float32Array,
    shift: Float32Array | null,
    y: Float32Array,
  ): void;
  channelAffineBackward(
    n: number,
    c: number,
    s: number,
    x: Float32Array,
    scale: Float32Array,
    dy: Float32Array,
    dx: Float32Array | null,
    dscale: Float32Array,
    dshift: Float32Array | null,
    accumulate: boolean,
  ): void;

  /**
   * Returns the summed loss, the count of correct argmax predictions and the divisor of the
   * mean (n here). dlogits may be null.
   */
  softmaxCrossEntropy(
    n: number,
    k: number,
    logits: Float32Array,
    labels: Int32Array,
    probs: Float32Array,
    dlogits: Float32Array | null,
  ): { lossSum: number; correct: number; weightSum: number };
  /** The same as torch's CrossEntropyLoss(weight=classWeights, label_smoothing=labelSmoothing): weightSum is the sum of the labels' weights. */
  softmaxCrossEntropyWithOptions(
    n: number,
    k: number,
    logits: Float32Array,
    labels: Int32Array,
    probs: Float32Array,
    dlogits: Float32Array | null,
    options: LossOptions,
  ): { lossSum: number; correct: number; weightSum: number };

  sgdUpdate(
    params: Float32Array,
    grads: Float32Array,
    velocity: Float32Array,
    lr: number,
    momentum: number,
    weightDecay: number,
  ): void;
  /** One AdamW step (torch.optim.AdamW), in place; step is this update's 1-based count. */
  adamwUpdate(
    params: Float32Array,
    grads: Float32Array,
    expAvg: Float32Array,
    expAvgSq: Float32Array,
    settings: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number },
  ): void;

  // ---- model zoo layers (native/test_addon/ops_norm.cpp). Shapes are (n, c, s), s = H*W. ----

  /**
   * Batch norm forward over (n, s) per channel. training: batch mean and biased variance,
   * saved into saveMean / saveInvStd (1/sqrt(var + eps)), and the running statistics updated
   * in place: running = (1 - momentum) * running + momentum * batch, the variance unbiased
   * (n*s / (n*s - 1)), as PyTorch. Evaluation: the running statistics; saveMean/saveInvStd
   * may be null and are not written. eps > 0, momentum in [0, 1].
   */
  batchNormForward(
    n: number,
    c: number,
    s: number,
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    runningMean: Float32Array,
    runningVar: Float32Array,
    eps: number,
    momentum: number,
    training: boolean,
    y: Float32Array,
    saveMean: Float32Array | null,
    saveInvStd: Float32Array | null,
  ): void;
  /** Training-mode gradient through the batch statistics: dx (=|+=), dgamma +=, dbeta +=. dx may be null. */
  batchNormBackward(
    n: number,
    c: number,
    s: number,
    x: Float32Array,
    gamma: Float32Array,
    saveMean: Float32Array,
    saveInvStd: Float32Array,
    dy: Float32Array,
    dx: Float32Array | null,
    dgamma: Float32Array,
    dbeta: Float32Array,
    accumulate: boolean,
  ): void;

  /**
   * Inverted dropout: element i is kept (mask 1, y = x / (1 - p)) or zeroed (mask 0) by a hash
   * of (seed, stream, i), uint32 seed and stream (the network uses the layer index): the same
   * for every thread count. 0 <= p < 1.
   */
  dropoutForward(p: number, seed: number, stream: number, x: Float32Array, y: Float32Array, mask: Uint8Array): void;
  /** dx (=|+=) dy * mask / (1 - p). */
  dropoutBackward(p: number, mask: Uint8Array, dy: Float32Array, dx: Float32Array, accumulate: boolean): void;

  /** out = a + b, element-wise (the merge of a residual block). */
  addForward(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** da (=|+=) dout, db (=|+=) dout; either may be null. */
  addBackward(
    dout: Float32Array,
    da: Float32Array | null,
    accumulateA: boolean,
    db: Float32Array | null,
    accumulateB: boolean,
  ): void;

  /**
   * Across-channel local response normalisation, PyTorch's LocalResponseNorm: scale =
   * k + alpha/size * (sum of x^2 over channels [c - size/2, c + (size-1)/2]), y = x * scale^-beta.
   * Writes y and scale (kept for backward). size >= 1, alpha >= 0, beta >= 0, k > 0.
   */
  lrnForward(
    n: number,
    c: number,
    s: number,
    lrn: { size: number; alpha: number; beta: number; k: number },
    x: Float32Array,
    y: Float32Array,
    scale: Float32Array,
  ): void;
  /** dx (=|+=) the exact gradient, from the forward's x, y and scale. */
  lrnBackward(
    n: number,
    c: number,
    s: number,
    lrn: { size: number; alpha: number; beta: number; k: number },
    x: Float32Array,
    y: Float32Array,
    scale: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    accumulate: boolean,
  ): void;
}

/** Where the test addon is looked for: CNN_TEST_ADDON (a .node file) wins, else beside the product addon. */
export function testAddonPath(): string {
  const override = process.env.CNN_TEST_ADDON;
  if (override) return path.resolve(override);
  return path.join(path.dirname(addonPath()), 'cnn_test.node');
}

let cached: TestAddon | undefined;

/** The test addon, loaded once; throws an Error that says how to build it when it is missing. */
export function loadTestAddon(): TestAddon {
  if (cached) return cached;
  const file = testAddonPath();
  if (!fs.existsSync(file)) {
    throw new Error(
      `The test addon is not built (looked for ${file}). Run "npm run build:native" in the cnn directory; it builds cnn_test.node beside cnn.node.`,
    );
  }
  limitOpenMpSpinning();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon is loaded from a path chosen at run time
  cached = require(file) as TestAddon;
  return cached;
}
