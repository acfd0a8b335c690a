// Loads the C++ addon and declares its surface. Everything numeric crosses as typed
// arrays; the addon checks every argument again and throws TypeError/RangeError.
import * as path from 'node:path';
import * as fs from 'node:fs';

export type Shape3 = [number, number, number];

/** Shape of a 2-D convolution; output size is derived by the addon. */
export interface Conv2dShape {
  n: number; c: number; h: number; w: number;
  oc: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number;
}

/** Shape of a 2-D pooling window. */
export interface Pool2dShape {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number;
}

export type ActivationKind = 'relu' | 'tanh' | 'sigmoid' | 'scaled-tanh';

/** Per-op functions: synchronous, for tests and debugging. Output buffers are written in place. */
export interface NativeOps {
  setThreads(n: number): void;
  getThreads(): number;
  /** "avx512" | "avx2" | "portable" */
  gemmPath(): string;
  /** Forces a GEMM path; returns false if this CPU cannot run it. */
  setGemmPath(name: string): boolean;
  /** GFLOP/s of independent FMA chains on `threads` threads for about `seconds`: the CPU's ceiling. */
  fmaPeak(threads: number, seconds: number): number;

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
       a: Float32Array, b: Float32Array, beta: number, c: Float32Array): void;

  conv2dForward(shape: Conv2dShape, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array): void;
  conv2dBackwardData(shape: Conv2dShape, dy: Float32Array, w: Float32Array, dx: Float32Array, accumulate: boolean): void;
  conv2dBackwardWeights(shape: Conv2dShape, x: Float32Array, dy: Float32Array, dw: Float32Array, db: Float32Array | null): void;

  maxPoolForward(shape: Pool2dShape, x: Float32Array, y: Float32Array, argmax: Int32Array): void;
  maxPoolBackward(shape: Pool2dShape, dy: Float32Array, argmax: Int32Array, dx: Float32Array, accumulate: boolean): void;
  avgPoolForward(shape: Pool2dShape, x: Float32Array, y: Float32Array): void;
  avgPoolBackward(shape: Pool2dShape, dy: Float32Array, dx: Float32Array, accumulate: boolean): void;

  denseForward(n: number, inFeatures: number, outFeatures: number,
               x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array): void;
  denseBackwardData(n: number, inFeatures: number, outFeatures: number,
                    dy: Float32Array, w: Float32Array, dx: Float32Array, accumulate: boolean): void;
  denseBackwardWeights(n: number, inFeatures: number, outFeatures: number,
                       x: Float32Array, dy: Float32Array, dw: Float32Array, db: Float32Array | null): void;

  activationForward(kind: ActivationKind, x: Float32Array, y: Float32Array): void;
  activationBackward(kind: ActivationKind, y: Float32Array, dy: Float32Array, dx: Float32Array, accumulate: boolean): void;

  channelAffineForward(n: number, c: number, s: number, x: Float32Array, scale: Float32Array,
                       shift: Float32Array | null, y: Float32Array): void;
  channelAffineBackward(n: number, c: number, s: number, x: Float32Array, scale: Float32Array, dy: Float32Array,
                        dx: Float32Array | null, dscale: Float32Array, dshift: Float32Array | null, accumulate: boolean): void;

  /** Returns the summed loss and the count of correct argmax predictions. dlogits may be null. */
  softmaxCrossEntropy(n: number, k: number, logits: Float32Array, labels: Int32Array,
                      probs: Float32Array, dlogits: Float32Array | null): { lossSum: number; correct: number };

  sgdUpdate(params: Float32Array, grads: Float32Array, velocity: Float32Array,
            lr: number, momentum: number, weightDecay: number): void;
}

/** Kinds of layer the native network runs. */
export type NativeLayerKind =
  | 'conv2d' | 'maxpool' | 'avgpool' | 'subsample' | 'dense' | 'flatten'
  | 'relu' | 'tanh' | 'sigmoid' | 'scaled-tanh';

/**
 * One layer of the native network, as the plan describes it. Offsets index the flat
 * parameter array (-1: the layer has no such tensor). The addon re-checks every size
 * against these shapes; it never derives shapes itself.
 */
export interface NativeLayerDesc {
  kind: NativeLayerKind;
  name: string;
  /** Producer layer indices; -1 is the network input. Every layer but 'add' has one. */
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
}

export interface NetworkOptions {
  input: Shape3;
  classes: number;
  layers: NativeLayerDesc[];
  /** Flat parameter, gradient and momentum arrays, all of one length; the network keeps them referenced and works in them in place. */
  params: Float32Array;
  grads: Float32Array;
  velocity: Float32Array;
  /** Largest batch the network will be asked to run: activations are allocated once for it. */
  maxBatch: number;
  threads: number;
}

export interface SgdSettings {
  lr: number;
  momentum: number;
  weightDecay: number;
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
  computeGradients(x: Float32Array, labels: Int32Array, n: number): Promise<StepResult>;
  /** Applies the SGD update from the current grads array. Synchronous and cheap. */
  applyUpdate(sgd: SgdSettings): void;
  /** Forward in evaluation mode; writes softmax probabilities (n, classes) into probs. */
  forward(x: Float32Array, n: number, probs: Float32Array): Promise<void>;
  /** Forward in evaluation mode with labels: probabilities into probs, returns loss and correct. */
  evaluate(x: Float32Array, labels: Int32Array, n: number, probs: Float32Array): Promise<StepResult>;
  setThreads(n: number): void;
  readonly busy: boolean;
  /** Bytes of native memory held for activations and workspaces. */
  readonly nativeBytes: number;
}

export interface NativeAddon extends NativeOps {
  Network: new (options: NetworkOptions) => NativeNetwork;
}

let cached: NativeAddon | undefined;

/** Where the compiled addon is looked for: CNN_ADDON (a .node file) wins, then build/Release. */
export function addonPath(): string {
  const override = process.env.CNN_ADDON;
  if (override) return path.resolve(override);
  return path.join(__dirname, '..', '..', 'build', 'Release', 'cnn.node');
}

export function loadNative(): NativeAddon {
  if (cached) return cached;
  // Idle OpenMP threads spin only briefly (enough to bridge the gaps between the ops of
  // one step), then sleep, so they never steal a core from the event loop between steps.
  // libgomp reads these when the addon is loaded.
  if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) {
    process.env.GOMP_SPINCOUNT = '20000';
  }
  const file = addonPath();
  if (!fs.existsSync(file)) {
    throw new Error(`The native addon is not built (looked for ${file}). Run "npm install" (or "npm run build:native") in the cnn directory.`);
  }
  cached = require(file) as NativeAddon;
  return cached;
}
