// A model made runnable: the plan, the flat arrays the native network works in (parameters,
// gradients, momentum or AdamW's first moment, and AdamW's second moment) and the native
// network built from the plan.
import { loadNative, type LossOptions, type NativeNetwork, type NetworkOptions } from '../native';
import { toNativeLayers } from '../model/native-layers';
import type { Plan } from '../model/types';
import { memoryEstimate } from '../model/summary';
import { memoryLimit, memoryLimitText } from '../model/limits';

export interface Runtime {
  plan: Plan;
  params: Float32Array;
  grads: Float32Array;
  velocity: Float32Array;
  /** AdamW's second moment; null for SGD (and evaluation), which never need it. */
  secondMoment: Float32Array | null;
  net: NativeNetwork;
  maxBatch: number;
}

/** How the native network is built beyond the plan: each convolution's algorithm rule, relu fusion, the precision. */
export type NetworkSettings = Pick<NetworkOptions, 'convAlgorithm' | 'fuseRelu' | 'precision'>;

export interface RuntimeOptions {
  maxBatch: number;
  threads: number;
  frozen?: ReadonlySet<string>;
  /** Allocate AdamW's second moment (as large as the parameters). */
  secondMoment?: boolean;
  /** The training loss's class weights and label smoothing (evaluation ignores them). */
  loss?: { labelSmoothing?: number; classWeights?: readonly number[] };
  network?: NetworkSettings;
}

export function createRuntime(plan: Plan, options: RuntimeOptions): Runtime {
  checkTrainingMemory(plan, options.maxBatch);
  const native = loadNative();
  const params = new Float32Array(plan.paramSize);
  const grads = new Float32Array(plan.paramSize);
  const velocity = new Float32Array(plan.paramSize);
  const secondMoment = options.secondMoment ? new Float32Array(plan.paramSize) : null;
  const loss: LossOptions = {};
  if (options.loss?.labelSmoothing) loss.labelSmoothing = options.loss.labelSmoothing;
  if (options.loss?.classWeights) loss.classWeights = Float32Array.from(options.loss.classWeights);
  const net = new native.Network({
    input: plan.input,
    classes: plan.classes,
    layers: toNativeLayers(plan, options.frozen),
    params,
    grads,
    velocity,
    ...(secondMoment ? { secondMoment } : {}),
    loss,
    maxBatch: options.maxBatch,
    threads: options.threads,
    ...options.network,
  });
  return { plan, params, grads, velocity, secondMoment, net, maxBatch: options.maxBatch };
}

/** Refuses a plan whose memory at this batch size is above the limit, before any array is allocated. */
export function checkTrainingMemory(plan: Plan, maxBatch: number): void {
  const mib = memoryEstimate(plan, maxBatch).trainingBytes / 2 ** 20;
  if (mib > memoryLimit('memoryMiB')) {
    throw new Error(
      `model ${plan.model.name}: ${memoryLimitText('memoryMiB', mib, `training memory at a batch of ${maxBatch}`, 'the model or the batch')}`,
    );
  }
}
