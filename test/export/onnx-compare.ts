// Shared by the ONNX export tests: runs a plan with given parameters both through cnn's own
// network (Network.forward, as eval does) and, exported, through onnxruntime-node, on the
// same normalised images, and reports how far the two sets of probabilities are apart.
// onnxruntime-node is an optional dev step (`npm run setup:onnx`, which CI runs): without it
// the comparisons skip with ONNXRUNTIME_MISSING as their reason.
import { Batcher } from '../../src/data/batcher';
import { loadDataset, limitSet, type Dataset } from '../../src/data/dataset';
import { buildOnnxModel, encodeOnnxModel, INPUT_NAME, OUTPUT_NAME } from '../../src/export/onnx-model';
import type { Plan } from '../../src/model/types';
import { createRuntime } from '../../src/train/runtime';
import { rng } from '../model/tiny-nets';

/** The part of onnxruntime-node these tests use (declared here: the package may be absent when this compiles). */
interface OnnxRuntime {
  InferenceSession: {
    create(
      model: Uint8Array,
      options: { intraOpNumThreads: number; interOpNumThreads: number },
    ): Promise<{
      run(feeds: Record<string, unknown>): Promise<Record<string, { dims: readonly number[]; data: unknown }>>;
      release(): Promise<void>;
    }>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}

function loadOnnxRuntime(): OnnxRuntime | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a static import would not compile without the package
    return require('onnxruntime-node') as OnnxRuntime;
  } catch (e) {
    // Absent is expected; an install that is present but broken must fail loudly.
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /'onnxruntime-node'/.test((e as Error).message))
      return undefined;
    throw e;
  }
}

const ort = loadOnnxRuntime();

/** A skip reason for tests that need onnxruntime-node when it is not installed, else false. */
export const ONNXRUNTIME_MISSING: string | false = ort
  ? false
  : 'onnxruntime-node is not installed (an optional dev step): run npm run setup:onnx to compare exports against it';

let mnist: Dataset | undefined;

/** MNIST, loaded once per test process. */
export function mnistDataset(): Dataset {
  mnist ??= loadDataset('mnist');
  return mnist;
}

/** The first `count` MNIST test images, normalised and fitted to `plan`'s input as the batcher does for training. */
export function testImages(plan: Plan, count: number): Float32Array {
  const { test, mean, std } = mnistDataset();
  const set = limitSet(test, count);
  const [c, h, w] = plan.input;
  const x = new Float32Array(count * c * h * w);
  const batcher = new Batcher(set, plan.input, mean, std);
  batcher.fill(
    Uint32Array.from({ length: count }, (_, i) => i),
    0,
    count,
    x,
    new Int32Array(count),
  );
  return x;
}

/** Random images for inputs MNIST does not fit (smaller than 28x28). */
export function randomImages(plan: Plan, count: number, seed: number): Float32Array {
  const r = rng(seed);
  const [c, h, w] = plan.input;
  return new Float32Array(count * c * h * w).map(() => 2 * r() - 1);
}

/** cnn's softmax probabilities (n, classes). */
export async function cnnProbabilities(
  plan: Plan,
  params: Float32Array,
  x: Float32Array,
  n: number,
): Promise<Float32Array> {
  const runtime = createRuntime(plan, { maxBatch: n, threads: 2 });
  runtime.params.set(params);
  const probs = new Float32Array(n * plan.classes);
  await runtime.net.forward(x, n, probs);
  return probs;
}

/** onnxruntime's output for the encoded model on x (n, C, H, W). */
export async function onnxProbabilities(
  model: Uint8Array,
  plan: Plan,
  x: Float32Array,
  n: number,
): Promise<Float32Array> {
  if (!ort) throw new Error(ONNXRUNTIME_MISSING as string);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  try {
    const input = new ort.Tensor('float32', x, [n, ...plan.input]);
    const result = await session.run({ [INPUT_NAME]: input });
    const out = result[OUTPUT_NAME];
    if (out.dims.length !== 2 || out.dims[0] !== n || out.dims[1] !== plan.classes) {
      throw new Error(`onnxruntime output has shape [${out.dims.join(', ')}], expected [${n}, ${plan.classes}]`);
    }
    return out.data as Float32Array;
  } finally {
    await session.release();
  }
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Mean over images of the largest probability: near 1/classes means the outputs say nothing and the comparison is weak. */
export function meanTopProbability(probs: Float32Array, classes: number): number {
  const n = probs.length / classes;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.max(...probs.subarray(i * classes, (i + 1) * classes));
  return sum / n;
}

export interface Comparison {
  maxAbsDiff: number;
  meanTop: number;
  cnn: Float32Array;
  onnx: Float32Array;
  bytes: number;
}

/**
 * Untrained networks often output nearly uniform probabilities (or, deep ones, saturated
 * ones), which would agree with anything. Scales the last dense layer (weights and bias, so
 * the logits scale exactly) so that the logits spread with a standard deviation of 3.
 */
export async function sharpenOutputs(plan: Plan, params: Float32Array, x: Float32Array, n: number): Promise<void> {
  const lastIndex = plan.layers.length - 1;
  const last = plan.layers[lastIndex];
  if (last.type !== 'dense')
    throw new Error(`sharpenOutputs: the last layer of ${plan.model.name} is ${last.type}, not dense`);
  const runtime = createRuntime(plan, { maxBatch: n, threads: 2 });
  runtime.params.set(params);
  await runtime.net.forward(x, n, new Float32Array(n * plan.classes));
  const logits = new Float32Array(n * plan.classes);
  runtime.net.layerOutput(lastIndex, n, logits);
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * plan.classes, (i + 1) * plan.classes);
    const mean = row.reduce((a, b) => a + b, 0) / row.length;
    for (const v of row) sumSquares += (v - mean) ** 2;
  }
  const factor = 3 / Math.max(Math.sqrt(sumSquares / logits.length), 1e-12);
  for (const t of last.params) {
    const v = params.subarray(t.offset, t.offset + t.size);
    for (let i = 0; i < v.length; i++) v[i] *= factor;
  }
}

/** Exports in-process and compares on x. */
export async function compareExport(plan: Plan, params: Float32Array, x: Float32Array, n: number): Promise<Comparison> {
  const model = encodeOnnxModel(buildOnnxModel(plan, params, { producerVersion: 'test' }));
  const cnn = await cnnProbabilities(plan, params, x, n);
  const onnx = await onnxProbabilities(model, plan, x, n);
  return {
    maxAbsDiff: maxAbsDifference(cnn, onnx),
    meanTop: meanTopProbability(cnn, plan.classes),
    cnn,
    onnx,
    bytes: model.length,
  };
}

/**
 * Batch norm's state as after training rather than at initialisation (gamma 1, beta 0, mean 0,
 * variance 1, where a wrong mapping of any of them would go unnoticed).
 */
export function randomiseBatchNorm(plan: Plan, params: Float32Array, seed: number): void {
  const r = rng(seed);
  for (const layer of plan.layers) {
    if (layer.type !== 'batchnorm') continue;
    for (const t of layer.params) {
      const v = params.subarray(t.offset, t.offset + t.size);
      for (let i = 0; i < v.length; i++) {
        v[i] =
          t.role === 'weight'
            ? 0.5 + r()
            : t.role === 'bias'
              ? 0.4 * (r() - 0.5)
              : t.role === 'running_mean'
                ? r() - 0.5
                : 0.5 + 1.5 * r();
      }
    }
  }
}
