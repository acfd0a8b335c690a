// Loads the C++ addon and declares its surface. Everything numeric crosses as typed
// arrays; the addon checks every argument again and throws TypeError/RangeError.
import * as path from 'node:path';
import * as fs from 'node:fs';

export type Shape3 = [number, number, number];

/** Kinds of layer the native network runs. */
export type NativeLayerKind =
  | 'conv2d'
  | 'maxpool'
  | 'avgpool'
  | 'subsample'
  | 'dense'
  | 'flatten'
  | 'relu'
  | 'tanh'
  | 'sigmoid'
  | 'scaled-tanh'
  | 'leaky-relu'
  | 'gelu'
  | 'batchnorm'
  | 'dropout'
  | 'add'
  | 'lrn';

/**
 * One layer of the native network, as the plan describes it. Offsets index the flat
 * parameter array (-1: the layer has no such tensor). The addon re-checks every size
 * against these shapes; it never derives shapes itself.
 */
export interface NativeLayerDesc {
  kind: NativeLayerKind;
  name: string;
  /** Producer layer indices; -1 is the network input. Every layer but 'add' (two: out = in0 + in1) has one. */
  inputs: number[];
  inShape: Shape3;
  outShape: Shape3;
  kernel?: [number, number];
  stride?: [number, number];
  pad?: [number, number];
  /** Offset and length of the weight tensor in the flat parameter array, or -1 / 0. */
  weightOffset: number;
  weightSize: number;
  biasOffset: number;
  biasSize: number;
  /**
   * Optional 0/1 mask over the weight tensor (same length): masked weights are kept at zero,
   * as LeNet-5's C3 partial connection table needs.
   */
  weightMask?: Float32Array;
  /**
   * batchnorm: weight is gamma (C), bias is beta (C); the running statistics live in the
   * flat parameter array too (so checkpoints carry them) but are never touched by SGD:
   * their gradients stay zero and they are updated from batch statistics in training.
   */
  runningMeanOffset?: number;
  runningVarOffset?: number;
  /** batchnorm: default 1e-5 */
  eps?: number;
  /** batchnorm: running = (1 - m) * running + m * batch, PyTorch's convention; default 0.1 */
  bnMomentum?: number;
  /** dropout: probability of zeroing a value (inverted dropout: survivors scaled by 1/(1-p)). */
  p?: number;
  /** leaky-relu: the slope for x <= 0 (default 0.01). */
  negativeSlope?: number;
  /** lrn (Krizhevsky et al. 2012, PyTorch's LocalResponseNorm): b = a / (k + alpha/size * sum a^2)^beta over `size` neighbouring channels. */
  lrn?: { size: number; alpha: number; beta: number; k: number };
  /**
   * Transfer learning (cnn train --freeze): no SGD update (no decay, no momentum) and zero
   * gradients for this layer's tensors; a frozen batchnorm uses its running statistics in
   * training too and never updates them. Only layers with parameters may be frozen.
   */
  frozen?: boolean;
}

/** The training loss: torch's CrossEntropyLoss(weight=classWeights, label_smoothing=labelSmoothing). */
export interface LossOptions {
  /** In [0, 1]; default 0. */
  labelSmoothing?: number;
  /** One weight >= 0 per class; default all ones. */
  classWeights?: Float32Array;
}

export interface NetworkOptions {
  input: Shape3;
  classes: number;
  layers: NativeLayerDesc[];
  /** Flat parameter, gradient and momentum arrays, all of one length; the network keeps them referenced and works in them in place. */
  params: Float32Array;
  grads: Float32Array;
  velocity: Float32Array;
  /** AdamW's second moment (same length as params); velocity then holds its first moment. Needed only for optimizer "adamw". */
  secondMoment?: Float32Array;
  /** The training loss (computeGradients, trainStep); evaluation always reports the plain cross-entropy. */
  loss?: LossOptions;
  /** Largest batch the network will be asked to run: activations are allocated once for it. */
  maxBatch: number;
  threads: number;
  /**
   * How each convolution's algorithms are chosen, once, when the network is built: "auto"
   * (the default: measured thresholds per layer shape), "gemm" (im2col + GEMM everywhere),
   * "implicit" or "direct" (that algorithm wherever it supports the shape). See
   * NativeNetwork.layerAlgorithms.
   */
  convAlgorithm?: ConvAlgorithmSetting;
  /** Training fuses a relu into the batchnorm, add or conv2d before it (bitwise the same results); false turns it off. Default true. */
  fuseRelu?: boolean;
  /**
   * The arithmetic of convolutions and dense layers: "fp32" (the default) or "bf16" (their
   * GEMMs round activations, weights and gradients to bfloat16 and sum in fp32; parameters,
   * optimizer state, normalisation and the loss stay fp32).
   */
  precision?: Precision;
}

export const PRECISIONS = ['fp32', 'bf16'] as const;
export type Precision = (typeof PRECISIONS)[number];

export const CONV_ALGORITHM_SETTINGS = ['auto', 'gemm', 'implicit', 'direct'] as const;
export type ConvAlgorithmSetting = (typeof CONV_ALGORITHM_SETTINGS)[number];

export interface SgdSettings {
  lr: number;
  /** SGD's momentum (unused by AdamW). */
  momentum: number;
  /** SGD: L2 decay added to the gradient; AdamW: decoupled decay (p *= 1 - lr * weightDecay). Conv and dense weights only. */
  weightDecay: number;
  /** "sgd" (default) or "adamw", which needs beta1, beta2, eps, step and a network built with secondMoment. */
  optimizer?: 'sgd' | 'adamw';
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** AdamW: this update's 1-based count (its bias corrections). */
  step?: number;
  /**
   * Seed of this step's random choices (dropout masks), a 32-bit unsigned integer; the
   * trainer derives it from the run's seed and the global step so resumed runs repeat it.
   * Default 0.
   */
  seed?: number;
}

export interface StepResult {
  /** Mean cross-entropy over the batch. */
  loss: number;
  /** Number of images whose argmax matched the label. */
  correct: number;
}

/**
 * A whole network built from the plan. Heavy calls run off the main thread and return
 * promises; only one may run at a time (a second concurrent call rejects).
 */
export interface NativeNetwork {
  /** Forward, backward and SGD update on one minibatch. x is (n, C, H, W), labels (n). */
  trainStep(x: Float32Array, labels: Int32Array, n: number, sgd: SgdSettings): Promise<StepResult>;
  /** Forward and backward only: gradients land in the grads array (overwritten). */
  computeGradients(x: Float32Array, labels: Int32Array, n: number, seed?: number): Promise<StepResult>;
  /** Applies the SGD update from the current grads array. Synchronous and cheap. */
  applyUpdate(sgd: SgdSettings): void;
  /** Forward in evaluation mode; writes softmax probabilities (n, classes) into probs. */
  forward(x: Float32Array, n: number, probs: Float32Array): Promise<void>;
  /** Forward in evaluation mode with labels: probabilities into probs, returns loss and correct. */
  evaluate(x: Float32Array, labels: Int32Array, n: number, probs: Float32Array): Promise<StepResult>;
  setThreads(n: number): void;
  /**
   * Synchronized batch norm (data-parallel training): every trainable batchnorm takes its
   * training statistics over all ranks' images through the MPI addon's stepCollectives()
   * handle; null turns it off. Returns how many layers it applies to. Not while a step runs.
   */
  setBatchNormSync(handle: unknown): number;
  /**
   * Data-parallel training with the gradient sum overlapped with the backward pass: from the
   * next computeGradients on, buckets of about bucketFloats finished gradients are summed
   * across ranks (each rank's times scale) through the stepCollectives() handle while the
   * backward pass goes on, and computeGradients resolves with grads holding the sum; null
   * turns it off. False when the parameter layout does not allow buckets. Not while a step runs.
   */
  setGradientExchange(handle: unknown, scale: number, bucketFloats: number): boolean;
  /** Turns per-layer timing on (resetting the totals) or off. Not while a step runs. */
  setProfiling(on: boolean): void;
  /** Time spent per layer since profiling was turned on. Not while a step runs. */
  profile(): NetworkProfile;
  /**
   * Per layer, the algorithm its kind chose when the network was built ('' for kinds with no
   * choice): a conv2d's "forward/backward-data/backward-weights", each im2col, implicit or direct.
   */
  layerAlgorithms(): string[];
  /**
   * Copies layer `layer`'s output of the last forward/evaluate for its first n images into
   * out (n, C, H, W of that layer's outShape). Synchronous; refused while a step runs.
   */
  layerOutput(layer: number, n: number, out: Float32Array): void;
  /** L2 norm of each layer's weight gradient from the last step (0 for layers without weights), in layer order. Not while a step runs. */
  weightGradNorms(): Float64Array;
  readonly busy: boolean;
  /** Bytes of native memory held for activations and workspaces. */
  readonly nativeBytes: number;
}

export interface LayerTime {
  name: string;
  kind: NativeLayerKind;
  forwardMs: number;
  backwardMs: number;
  /** A relu that training fuses into the batchnorm, add or conv2d before it: that layer's name (its time is booked there). */
  fusedInto?: string;
  /** The algorithm chosen at build time (see NativeNetwork.layerAlgorithms); absent for kinds with no choice. */
  algorithm?: string;
}

export interface NetworkProfile {
  layers: LayerTime[];
  /** Softmax cross-entropy, forward and gradient. */
  lossMs: number;
  /** SGD updates (applyUpdate and the update half of trainStep). */
  updateMs: number;
  /** Training steps (computeGradients or trainStep) timed. */
  steps: number;
}

/** The product addon: the network only (the per-op functions live in the test addon, test/test-addon.ts). */
/** The GEMM paths this CPU runs (the fastest it has; CNN_GEMM_PATH may force one). */
export interface KernelPaths {
  /** fp32: "avx512", "avx2" or "portable". */
  gemm: string;
  /** bf16: "amx", "avx512bf16" or "portable" (fp32 arithmetic on rounded values: slow). */
  gemmBf16: string;
}

export interface NativeAddon {
  Network: new (options: NetworkOptions) => NativeNetwork;
  kernelPaths(): KernelPaths;
}

let cached: NativeAddon | undefined;

/** Where the compiled addon is looked for: CNN_ADDON (a .node file) wins, then build/Release. */
export function addonPath(): string {
  const override = process.env.CNN_ADDON;
  if (override) return path.resolve(override);
  return path.join(__dirname, '..', '..', 'build', 'Release', 'cnn.node');
}

/**
 * Idle OpenMP threads spin only briefly (enough to bridge the gaps between the ops of one
 * step), then sleep, so they never steal a core from the event loop between steps. libgomp
 * reads this when the first addon that uses it is loaded, so call it before loading one.
 */
export function limitOpenMpSpinning(): void {
  if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) {
    process.env.GOMP_SPINCOUNT = '20000';
  }
}

export function loadNative(): NativeAddon {
  if (cached) return cached;
  limitOpenMpSpinning();
  const file = addonPath();
  if (!fs.existsSync(file)) {
    throw new Error(
      `The native addon is not built (looked for ${file}). Run "npm install" (or "npm run build:native") in the cnn directory.`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon is loaded from a path chosen at run time
  cached = require(file) as NativeAddon;
  return cached;
}
