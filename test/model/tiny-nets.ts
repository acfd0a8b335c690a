// Hand-built native layer descriptions for the network tests: a tiny shape planner (output
// sizes, parameter offsets) independent of src/model/plan.ts, so the native network is
// tested against its contract rather than against the planner.
import type { NativeAddon, NativeLayerDesc, NativeLayerKind, NativeNetwork, NetworkOptions, Shape3 } from '../../src/native';

export type TinyLayer =
  | { kind: 'conv2d'; filters: number; k: number; s?: number; p?: number; bias?: boolean; mask?: (oc: number, ic: number) => boolean; from?: number }
  | { kind: 'maxpool' | 'avgpool' | 'subsample'; k: number; s?: number; p?: number; from?: number }
  | { kind: 'dense'; units: number; bias?: boolean; from?: number }
  | { kind: 'flatten' | 'relu' | 'tanh' | 'sigmoid' | 'scaled-tanh'; from?: number };

export interface TinyNet {
  input: Shape3;
  classes: number;
  layers: NativeLayerDesc[];
  paramSize: number;
}

const outSize = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;

/** Plans the layers in order; `from` picks a producer other than the previous layer (-1: the input). */
export function planTiny(input: Shape3, specs: TinyLayer[]): TinyNet {
  const layers: NativeLayerDesc[] = [];
  let offset = 0;
  const take = (size: number) => { const o = offset; offset += size; return o; };
  specs.forEach((spec, i) => {
    const from = spec.from ?? i - 1;
    const inShape: Shape3 = from < 0 ? [...input] : [...layers[from].outShape];
    const [c, h, w] = inShape;
    const d: NativeLayerDesc = {
      kind: spec.kind as NativeLayerKind, name: `${spec.kind}${i}`, inputs: [from], inShape, outShape: [...inShape],
      weightOffset: -1, weightSize: 0, biasOffset: -1, biasSize: 0,
    };
    if (spec.kind === 'conv2d') {
      const s = spec.s ?? 1, p = spec.p ?? 0;
      d.kernel = [spec.k, spec.k]; d.stride = [s, s]; d.pad = [p, p];
      d.outShape = [spec.filters, outSize(h, spec.k, s, p), outSize(w, spec.k, s, p)];
      d.weightSize = spec.filters * c * spec.k * spec.k; d.weightOffset = take(d.weightSize);
      if (spec.bias !== false) { d.biasSize = spec.filters; d.biasOffset = take(d.biasSize); }
      if (spec.mask) {
        const m = new Float32Array(d.weightSize);
        const kk = spec.k * spec.k;
        for (let o = 0; o < spec.filters; o++)
          for (let ic = 0; ic < c; ic++) if (spec.mask(o, ic)) m.fill(1, (o * c + ic) * kk, (o * c + ic + 1) * kk);
        d.weightMask = m;
      }
    } else if (spec.kind === 'maxpool' || spec.kind === 'avgpool' || spec.kind === 'subsample') {
      const s = spec.s ?? spec.k, p = spec.p ?? 0;
      d.kernel = [spec.k, spec.k]; d.stride = [s, s]; d.pad = [p, p];
      d.outShape = [c, outSize(h, spec.k, s, p), outSize(w, spec.k, s, p)];
      if (spec.kind === 'subsample') { d.weightSize = c; d.weightOffset = take(c); d.biasSize = c; d.biasOffset = take(c); }
    } else if (spec.kind === 'dense') {
      d.outShape = [spec.units, 1, 1];
      d.weightSize = spec.units * c * h * w; d.weightOffset = take(d.weightSize);
      if (spec.bias !== false) { d.biasSize = spec.units; d.biasOffset = take(d.biasSize); }
    } else if (spec.kind === 'flatten') {
      d.outShape = [c * h * w, 1, 1];
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

/** Uniform(-scale/sqrt(fanIn), +) weights, small biases; masked weights are zero. */
export function initParams(net: TinyNet, seed: number): Float32Array {
  const r = rng(seed);
  const params = new Float32Array(net.paramSize);
  for (const l of net.layers) {
    if (l.weightSize > 0) {
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
    input: net.input, classes: net.classes, layers: net.layers, params: params.slice(),
    grads: new Float32Array(net.paramSize), velocity: new Float32Array(net.paramSize), maxBatch, threads,
  };
}

export function build(addon: NativeAddon, net: TinyNet, params: Float32Array, maxBatch: number, threads = 1): Built {
  const o = options(net, params, maxBatch, threads);
  return { net: new addon.Network(o), params: o.params, grads: o.grads, velocity: o.velocity };
}

/** The gradient-check model: every layer kind, a strided padded conv, a masked conv, a dead branch. */
export function everyKindNet(): TinyNet {
  return planTiny([2, 10, 10], [
    { kind: 'conv2d', filters: 3, k: 3, s: 2, p: 1 },                              // 0: [3,5,5]
    { kind: 'relu' },                                                               // 1
    { kind: 'conv2d', filters: 4, k: 2, p: 1, mask: (o, i) => (o + i) % 3 !== 0 },  // 2: [4,6,6]
    { kind: 'tanh' },                                                               // 3
    { kind: 'maxpool', k: 2 },                                                      // 4: [4,3,3]
    { kind: 'subsample', k: 2, s: 1 },                                              // 5: [4,2,2]
    { kind: 'sigmoid' },                                                            // 6
    { kind: 'sigmoid', from: 1 },                                                   // 7: dead branch, unused
    { kind: 'avgpool', k: 2, s: 1, p: 1, from: 6 },                                 // 8: [4,3,3]
    { kind: 'scaled-tanh' },                                                        // 9
    { kind: 'flatten' },                                                            // 10: [36,1,1]
    { kind: 'dense', units: 3 },                                                    // 11: [3,1,1]
  ]);
}

/** A small conv net for the overfitting and thread tests. */
export function smallConvNet(classes = 10): TinyNet {
  return planTiny([1, 12, 12], [
    { kind: 'conv2d', filters: 8, k: 3, p: 1 },
    { kind: 'relu' },
    { kind: 'maxpool', k: 2 },
    { kind: 'conv2d', filters: 8, k: 3, p: 1 },
    { kind: 'relu' },
    { kind: 'flatten' },
    { kind: 'dense', units: 32 },
    { kind: 'relu' },
    { kind: 'dense', units: classes },
  ]);
}
