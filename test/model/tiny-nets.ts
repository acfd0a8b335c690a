// Hand-built native layer descriptions for the network tests: a tiny shape planner (output
// sizes, parameter offsets) independent of src/model/plan.ts, so the native network is
// tested against its contract rather than against the planner.
import type {
  NativeAddon,
  NativeLayerDesc,
  NativeLayerKind,
  NativeNetwork,
  NetworkOptions,
  Shape3,
} from '../../src/native';

export type TinyLayer =
  | {
      kind: 'conv2d';
      filters: number;
      k: number;
      s?: number;
      p?: number;
      bias?: boolean;
      mask?: (oc: number, ic: number) => boolean;
      from?: number;
    }
  | { kind: 'maxpool' | 'avgpool' | 'subsample'; k: number; s?: number; p?: number; from?: number }
  | { kind: 'dense'; units: number; bias?: boolean; from?: number }
  | { kind: 'flatten' | 'relu' | 'tanh' | 'sigmoid' | 'scaled-tanh' | 'gelu'; from?: number }
  | { kind: 'leaky-relu'; negativeSlope?: number; from?: number }
  | { kind: 'batchnorm'; eps?: number; momentum?: number; from?: number }
  | { kind: 'dropout'; p: number; from?: number }
  | { kind: 'lrn'; size: number; alpha: number; beta: number; k: number; from?: number }
  | { kind: 'add'; from: [number, number] };

export interface TinyNet {
  input: Shape3;
  classes: number;
  layers: NativeLayerDesc[];
  paramSize: number;
}

const outSize = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;

/**
 * Plans the layers in order; `from` picks a producer other than the previous layer (-1: the
 * input); 'add' names its two producers. Batch norm gets gamma (weight), beta (bias) and its
 * running mean and variance, in that order, in the parameter array.
 */
export function planTiny(input: Shape3, specs: TinyLayer[]): TinyNet {
  const layers: NativeLayerDesc[] = [];
  let offset = 0;
  const take = (size: number) => {
    const o = offset;
    offset += size;
    return o;
  };
  specs.forEach((spec, i) => {
    const inputs = spec.kind === 'add' ? [...spec.from] : [spec.from ?? i - 1];
    const from = inputs[0];
    const inShape: Shape3 = from < 0 ? [...input] : [...layers[from].outShape];
    const [c, h, w] = inShape;
    const d: NativeLayerDesc = {
      kind: spec.kind as NativeLayerKind,
      name: `${spec.kind}${i}`,
      inputs,
      inShape,
      outShape: [...inShape],
      weightOffset: -1,
      weightSize: 0,
      biasOffset: -1,
      biasSize: 0,
    };
    if (spec.kind === 'conv2d') {
      const s = spec.s ?? 1,
        p = spec.p ?? 0;
      d.kernel = [spec.k, spec.k];
      d.stride = [s, s];
      d.pad = [p, p];
      d.outShape = [spec.filters, outSize(h, spec.k, s, p), outSize(w, spec.k, s, p)];
      d.weightSize = spec.filters * c * spec.k * spec.k;
      d.weightOffset = take(d.weightSize);
      if (spec.bias !== false) {
        d.biasSize = spec.filters;
        d.biasOffset = take(d.biasSize);
      }
      if (spec.mask) {
        const m = new Float32Array(d.weightSize);
        const kk = spec.k * spec.k;
        for (let o = 0; o < spec.filters; o++)
          for (let ic = 0; ic < c; ic++) if (spec.mask(o, ic)) m.fill(1, (o * c + ic) * kk, (o * c + ic + 1) * kk);
        d.weightMask = m;
      }
    } else if (spec.kind === 'maxpool' || spec.kind === 'avgpool' || spec.kind === 'subsample') {
      const s = spec.s ?? spec.k,
        p = spec.p ?? 0;
      d.kernel = [spec.k, spec.k];
      d.stride = [s, s];
      d.pad = [p, p];
      d.outShape = [c, outSize(h, spec.k, s, p), outSize(w, spec.k, s, p)];
      if (spec.kind === 'subsample') {
        d.weightSize = c;
        d.weightOffset = take(c);
        d.biasSize = c;
        d.biasOffset = take(c);
      }
    } else if (spec.kind === 'dense') {
      d.outShape = [spec.units, 1, 1];
      d.weightSize = spec.units * c * h * w;
      d.weightOffset = take(d.weightSize);
      if (spec.bias !== false) {
        d.biasSize = spec.units;
        d.biasOffset = take(d.biasSize);
      }
    } else if (spec.kind === 'flatten') {
      d.outShape = [c * h * w, 1, 1];
    } else if (spec.kind === 'batchnorm') {
      d.weightSize = c;
      d.weightOffset = take(c);
      d.biasSize = c;
      d.biasOffset = take(c);
      d.runningMeanOffset = take(c);
      d.runningVarOffset = take(c);
      if (spec.eps !== undefined) d.eps = spec.eps;
      if (spec.momentum !== undefined) d.bnMomentum = spec.momentum;
    } else if (spec.kind === 'leaky-relu') {
      if (spec.negativeSlope !== undefined) d.negativeSlope = spec.negativeSlope;
    } else if (spec.kind === 'dropout') {
      d.p = spec.p;
    } else if (spec.kind === 'lrn') {
      d.lrn = { size: spec.size, alpha: spec.alpha, beta: spec.beta, k: spec.k };
    }
    layers.push(d);
  });
  const last = layers[layers.length - 1].outShape;
  return { input, classes: last[0] * last[1] * last[2], layers, paramSize: offset };
}

/** A seeded generator (mulberry32) for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Uniform(-scale/sqrt(fanIn), +) weights, small biases; masked weights are zero. Batch norm:
 * gamma in [0.5, 1.5), running mean 0 and variance 1 (PyTorch's initial state).
 */
export function initParams(net: TinyNet, seed: number): Float32Array {
  const r = rng(seed);
  const params = new Float32Array(net.paramSize);
  for (const l of net.layers) {
    if (l.kind === 'batchnorm') {
      for (let k = 0; k < l.weightSize; k++) params[l.weightOffset + k] = 0.5 + r();
      params.fill(1, l.runningVarOffset!, l.runningVarOffset! + l.inShape[0]);
    } else if (l.weightSize > 0) {
      const fanIn = l.kind === 'subsample' ? 1 : l.weightSize / l.outShape[0];
      const bound = Math.sqrt(6 / fanIn);
      for (let k = 0; k < l.weightSize; k++) {
        const m = l.weightMask ? l.weightMask[k] : 1;
        const v = l.kind === 'subsample' ? 0.5 + r() : (2 * r() - 1) * bound;
        params[l.weightOffset + k] = m === 0 ? 0 : v;
      }
    }
    for (let k = 0; k < l.biasSize; k++) params[l.biasOffset + k] = 0.2 * (2 * r() - 1);
  }
  return params;
}

export function randomData(net: TinyNet, n: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const r = rng(seed);
  const [c, h, w] = net.input;
  const x = new Float32Array(n * c * h * w).map(() => 2 * r() - 1);
  const labels = new Int32Array(n).map(() => Math.floor(r() * net.classes));
  return { x, labels };
}

export interface Built {
  net: NativeNetwork;
  params: Float32Array;
  grads: Float32Array;
  velocity: Float32Array;
}

export function options(net: TinyNet, params: Float32Array, maxBatch: number, threads = 1): NetworkOptions {
  return {
    input: net.input,
    classes: net.classes,
    layers: net.layers,
    params: params.slice(),
    grads: new Float32Array(net.paramSize),
    velocity: new Float32Array(net.paramSize),
    maxBatch,
    threads,
  };
}

export function build(
  addon: NativeAddon,
  net: TinyNet,
  params: Float32Array,
  maxBatch: number,
  threads = 1,
  settings: Pick<NetworkOptions, 'convAlgorithm' | 'fuseRelu' | 'precision'> = {},
): Built {
  const o = { ...options(net, params, maxBatch, threads), ...settings };
  return { net: new addon.Network(o), params: o.params, grads: o.grads, velocity: o.velocity };
}

/** The gradient-check model: every layer kind, a strided padded conv, a masked conv, a dead branch. */
export function everyKindNet(): TinyNet {
  return planTiny(
    [2, 10, 10],
    [
      { kind: 'conv2d', filters: 3, k: 3, s: 2, p: 1 }, // 0: [3,5,5]
      { kind: 'relu' }, // 1
      { kind: 'conv2d', filters: 4, k: 2, p: 1, mask: (o, i) => (o + i) % 3 !== 0 }, // 2: [4,6,6]
      { kind: 'tanh' }, // 3
      { kind: 'maxpool', k: 2 }, // 4: [4,3,3]
      { kind: 'subsample', k: 2, s: 1 }, // 5: [4,2,2]
      { kind: 'sigmoid' }, // 6
      { kind: 'sigmoid', from: 1 }, // 7: dead branch, unused
      { kind: 'avgpool', k: 2, s: 1, p: 1, from: 6 }, // 8: [4,3,3]
      { kind: 'scaled-tanh' }, // 9
      { kind: 'flatten' }, // 10: [36,1,1]
      { kind: 'dense', units: 3 }, // 11: [3,1,1]
    ],
  );
}

/** A small conv net for the overfitting and thread tests. */
export function smallConvNet(classes = 10): TinyNet {
  return planTiny(
    [1, 12, 12],
    [
      { kind: 'conv2d', filters: 8, k: 3, p: 1 },
      { kind: 'relu' },
      { kind: 'maxpool', k: 2 },
      { kind: 'conv2d', filters: 8, k: 3, p: 1 },
      { kind: 'relu' },
      { kind: 'flatten' },
      { kind: 'dense', units: 32 },
      { kind: 'relu' },
      { kind: 'dense', units: classes },
    ],
  );
}

/** A small residual network with every new kind; the layer comments give output shapes. */
export function residualNet(dropout = 0.3): TinyNet {
  return planTiny(
    [2, 8, 8],
    [
      { kind: 'conv2d', filters: 4, k: 3, p: 1 }, // 0: [4,8,8]
      { kind: 'batchnorm' }, // 1
      { kind: 'relu' }, // 2
      { kind: 'conv2d', filters: 4, k: 3, p: 1 }, // 3
      { kind: 'batchnorm' }, // 4
      { kind: 'add', from: [4, 2] }, // 5: identity shortcut
      { kind: 'relu' }, // 6
      { kind: 'lrn', size: 3, alpha: 0.5, beta: 0.75, k: 1 }, // 7
      { kind: 'conv2d', filters: 6, k: 3, s: 2, p: 1 }, // 8: [6,4,4]
      { kind: 'batchnorm', momentum: 0.2, eps: 1e-3 }, // 9
      { kind: 'relu' }, // 10
      { kind: 'conv2d', filters: 6, k: 1, s: 2, from: 7 }, // 11: [6,4,4] projection shortcut
      { kind: 'batchnorm' }, // 12
      { kind: 'add', from: [10, 12] }, // 13
      { kind: 'maxpool', k: 3, s: 2, p: 1 }, // 14: [6,2,2] overlapping 3x3/2
      { kind: 'dropout', p: dropout }, // 15
      { kind: 'avgpool', k: 2 }, // 16: [6,1,1] global average pool
      { kind: 'add', from: [16, 16] }, // 17: a layer added to itself
      { kind: 'flatten' }, // 18: [6,1,1]
      { kind: 'dense', units: 5 }, // 19
      { kind: 'batchnorm' }, // 20: batch norm over (N) only
      { kind: 'tanh' }, // 21
      { kind: 'dense', units: 3 }, // 22
    ],
  );
}
