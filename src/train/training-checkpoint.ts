// What a cnn checkpoint holds beyond the safetensors format: the parameter tensors under
// PyTorch's names, the optimizer's state (SGD's momentum buffers under
// "optimizer.momentum.<name>", AdamW's moments under "optimizer.exp_avg.<name>" and
// "optimizer.exp_avg_sq.<name>", its step count being position.globalStep), and metadata
// (the model spec, the dataset's normalisation, where training stood). Loading rebuilds
// the plan from the stored spec and checks every tensor against it.
import { readSafetensors, writeSafetensors, type NamedTensor } from '../model/checkpoint';
import { modelFromJson, planModel } from '../model/plan';
import type { ModelSpec, Plan } from '../model/types';
import type { RngState } from './rng';
import type { DataFingerprint } from '../data/fingerprint';
import type { PlateauState, ScheduleName } from './schedule';
import type { OptimizerName } from './optimizer';
import type { KeepChoice } from './keep-best';
import { checkDatasetInfo } from './dataset-info-check';
import { checkTrainingPosition, checkTrainSettings } from './checkpoint-metadata';
import type { ImageFolderInfo } from '../data/image-folder-info';
import { BATCHES_TRACKED, IMAGENET_NORMALIZATION, recognizeStateDict } from '../model/torchvision';

export const MOMENTUM_PREFIX = 'optimizer.momentum.';
/** AdamW's first and second moments (torch's state names). */
export const EXP_AVG_PREFIX = 'optimizer.exp_avg.';
export const EXP_AVG_SQ_PREFIX = 'optimizer.exp_avg_sq.';

export interface DatasetInfo {
  name: string;
  mean: number[];
  std: number[];
  classNames: string[];
  /** The directory the data came from, if not the built-in default. */
  dir?: string;
  /** --labels: the original labels kept, numbered 0..k-1 in this order (src/data/label-subset.ts). */
  labels?: number[];
  /** --permute-pixels: the seed of the pixel permutation applied to every image (src/data/permute.ts). */
  permutePixels?: number;
  /** The training images the run used (before any --val split), so --resume can tell changed data. */
  fingerprint?: DataFingerprint;
  /** A folder of images or a CSV manifest: where it is and how it was split (name "images"). */
  imageFolder?: ImageFolderInfo;
}

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleName;
  stepEvery: number;
  warmupEpochs: number;
  seed: number;
  limit: number | null;
  /** Training images held out for validation (0: none). */
  val: number;
  /** Augmentation applied when batches are formed, as --augment writes it ("none" for none). */
  augment: string;
  /** plateau: epochs without a better validation accuracy before the rate is divided by 10. */
  patience: number;
  /** --from: the checkpoint the weights started from (transfer learning, src/train/transfer.ts). */
  from?: string;
  /** --reinit-head: the final dense layer started afresh instead of from --from. */
  reinitHead?: boolean;
  /** --freeze, resolved: the names of the layers that got no update. */
  freeze?: string[];
  /** --activation: the activation every relu/tanh/sigmoid/scaled-tanh was swapped for. */
  activation?: string;
  /** --optimizer (absent: sgd); AdamW's betas and eps as used. */
  optimizer?: OptimizerName;
  betas?: [number, number];
  eps?: number;
  /** --label-smoothing (absent: 0). */
  labelSmoothing?: number;
  /** --class-weights, resolved: one loss weight per class; classWeightsFrom is the option as given. */
  classWeights?: number[];
  classWeightsFrom?: string;
  /** --early-stop: epochs without a better validation accuracy before the run ends. */
  earlyStop?: number;
  /** --keep: what --out holds at the end (absent: last). */
  keep?: KeepChoice;
  /** --normalize imagenet: images normalised by ImageNet's statistics instead of the dataset's. */
  normalize?: 'imagenet';
  /** --precision bf16: convolutions and dense layers trained in mixed precision (absent: fp32). */
  precision?: 'bf16';
}

/** Where training stood when the checkpoint was written. */
export interface TrainingPosition {
  /** Epochs fully completed. */
  epoch: number;
  /** Steps completed within the current (next) epoch; 0 at an epoch boundary. */
  stepInEpoch: number;
  globalStep: number;
  /** The generator's state at the start of the current epoch, before its shuffle. */
  epochRngState: RngState;
  /** Running train loss/correct/seen of a partially completed epoch. */
  partial: { lossSum: number; correct: number; seen: number };
  /** The plateau schedule's state at the last epoch end (plateau runs only). */
  plateau?: PlateauState;
  /** The epoch (1-based) with the best validation accuracy so far, with its test accuracy (runs with validation). */
  best?: BestEpoch;
}

export interface BestEpoch {
  epoch: number;
  valAccuracy: number;
  testAccuracy: number;
}

export interface LoadedCheckpoint {
  file: string;
  model: ModelSpec;
  plan: Plan;
  params: Float32Array;
  /** SGD's momentum or AdamW's first moment; null when the file holds no optimizer state. */
  velocity: Float32Array | null;
  /** AdamW's second moment, or null. */
  secondMoment: Float32Array | null;
  dataset: DatasetInfo;
  settings: TrainSettings | null;
  position: TrainingPosition | null;
  metadata: Record<string, string>;
}

export function saveCheckpoint(
  file: string,
  plan: Plan,
  arrays: { params: Float32Array; velocity: Float32Array | null; secondMoment?: Float32Array | null },
  info: { dataset: DatasetInfo; settings: TrainSettings | null; position: TrainingPosition | null },
): void {
  const tensors: NamedTensor[] = [];
  for (const layer of plan.layers) {
    for (const t of layer.params) {
      tensors.push({ name: t.name, shape: t.shape, data: arrays.params.subarray(t.offset, t.offset + t.size) });
    }
    if (layer.type === 'batchnorm') {
      const steps = BigInt(info.position?.globalStep ?? 0);
      tensors.push({ name: layer.name + BATCHES_TRACKED, shape: [], data: BigInt64Array.of(steps) });
    }
  }
  const adamw = info.settings?.optimizer === 'adamw';
  const state: [string, Float32Array | null | undefined][] = adamw
    ? [
        [EXP_AVG_PREFIX, arrays.velocity],
        [EXP_AVG_SQ_PREFIX, arrays.secondMoment],
      ]
    : [[MOMENTUM_PREFIX, arrays.velocity]];
  for (const [prefix, array] of state) {
    if (!array) continue;
    for (const layer of plan.layers) {
      for (const t of layer.params) {
        tensors.push({ name: prefix + t.name, shape: t.shape, data: array.subarray(t.offset, t.offset + t.size) });
      }
    }
  }
  const metadata: Record<string, string> = {
    model: JSON.stringify({ ...plan.model, input: plan.input, classes: plan.classes }),
    dataset: JSON.stringify(info.dataset),
  };
  if (info.settings) metadata.training = JSON.stringify(info.settings);
  if (info.position) metadata.position = JSON.stringify(info.position);
  writeSafetensors(file, tensors, metadata);
}

function parseJsonField<T>(file: string, metadata: Record<string, string>, key: string, required: boolean): T | null {
  const raw = metadata[key];
  if (raw === undefined) {
    if (required) {
      throw new Error(
        `${file}: not a cnn checkpoint (its metadata has no "${key}" entry). cnn writes checkpoints with "cnn train".`,
      );
    }
    return null;
  }
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new Error(`${file}: the checkpoint's "${key}" metadata is not valid JSON; the file is damaged.`);
  }
}

/**
 * A checkpoint written by cnn train, or a torchvision state_dict saved as safetensors (no cnn
 * metadata: the model is recognised from its tensors, src/model/torchvision.ts; its images are
 * normalised as torchvision's ImageNet weights expect).
 */
export function loadCheckpoint(file: string): LoadedCheckpoint {
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.model === undefined && metadata.dataset === undefined) return loadStateDict(file, tensors, metadata);
  // The stored model goes through the same checks and limits as a model file.
  const storedModel = parseJsonField<unknown>(file, metadata, 'model', true);
  let model: ModelSpec;
  let plan: Plan;
  try {
    model = modelFromJson(storedModel, 'model');
    plan = planModel(model);
  } catch (e) {
    throw new Error(`${file}: the model stored in the checkpoint is invalid: ${(e as Error).message}`);
  }
  const arrays = readTensors(file, tensors, model, plan);
  const dataset = checkDatasetInfo(file, parseJsonField<unknown>(file, metadata, 'dataset', true));
  const storedSettings = parseJsonField<unknown>(file, metadata, 'training', false);
  const settings = storedSettings === null ? null : checkTrainSettings(file, storedSettings);
  const storedPosition = parseJsonField<unknown>(file, metadata, 'position', false);
  if (storedPosition !== null && settings === null)
    throw new Error(`${file}: the checkpoint has a training position but no training settings; the file is damaged.`);
  const position = storedPosition === null ? null : checkTrainingPosition(file, storedPosition, settings!);
  return { ...arrays, dataset, settings, position, metadata };
}

type StoredTensors = ReturnType<typeof readSafetensors>['tensors'];

/** A torchvision state_dict: the model recognised from the tensors, ImageNet's normalisation, no class names. */
function loadStateDict(file: string, tensors: StoredTensors, metadata: Record<string, string>): LoadedCheckpoint {
  const plan = recognizeStateDict(file, new Map([...tensors].map(([name, t]) => [name, t.shape])));
  const dataset: DatasetInfo = {
    name: 'imagenet',
    mean: [...IMAGENET_NORMALIZATION.mean],
    std: [...IMAGENET_NORMALIZATION.std],
    classNames: [],
  };
  return { ...readTensors(file, tensors, plan.model, plan), dataset, settings: null, position: null, metadata };
}

/** The parameters and optimizer state of `plan` from the file's tensors, every name and shape checked. */
function readTensors(
  file: string,
  tensors: StoredTensors,
  model: ModelSpec,
  plan: Plan,
): Pick<LoadedCheckpoint, 'file' | 'model' | 'plan' | 'params' | 'velocity' | 'secondMoment'> {
  // Every parameter comes from a tensor in the file: a stored model larger than the file's data
  // is refused before its arrays are allocated (a damaged header must not cost gigabytes).
  const storedValues = [...tensors.values()].reduce((n, t) => n + t.data.length, 0);
  if (plan.paramSize > storedValues) {
    throw new Error(
      `${file}: model ${model.name} stored in the checkpoint has ${plan.paramSize} parameters but the file holds only ${storedValues} values; the file is damaged or its tensors belong to another model.`,
    );
  }
  const params = new Float32Array(plan.paramSize);
  const has = (prefix: string) => [...tensors.keys()].some((k) => k.startsWith(prefix));
  const firstPrefix = has(EXP_AVG_PREFIX) ? EXP_AVG_PREFIX : MOMENTUM_PREFIX;
  const velocity = has(firstPrefix) ? new Float32Array(plan.paramSize) : null;
  const secondMoment = has(EXP_AVG_SQ_PREFIX) ? new Float32Array(plan.paramSize) : null;
  const expected = new Set<string>();
  for (const layer of plan.layers) {
    for (const t of layer.params) {
      const targets = [
        [t.name, params],
        [firstPrefix + t.name, velocity],
        [EXP_AVG_SQ_PREFIX + t.name, secondMoment],
      ] as const;
      for (const [name, target] of targets) {
        if (!target) continue;
        expected.add(name);
        const found = tensors.get(name);
        if (!found) throw new Error(`${file}: tensor "${name}" of model ${model.name} is missing from the checkpoint.`);
        if (!(found.data instanceof Float32Array)) throw new Error(`${file}: tensor "${name}" must be F32.`);
        if (found.shape.length !== t.shape.length || found.shape.some((d, i) => d !== t.shape[i])) {
          throw new Error(
            `${file}: tensor "${name}" has shape [${found.shape.join(', ')}] but model ${model.name} needs [${t.shape.join(', ')}].`,
          );
        }
        target.set(found.data, t.offset);
      }
    }
  }
  // The batch-norm counters are informational (cnn's running statistics use a fixed momentum).
  for (const layer of plan.layers) if (layer.type === 'batchnorm') expected.add(layer.name + BATCHES_TRACKED);
  for (const name of tensors.keys()) {
    if (!expected.has(name)) throw new Error(`${file}: tensor "${name}" does not belong to model ${model.name}.`);
  }
  return { file, model, plan, params, velocity, secondMoment };
}
