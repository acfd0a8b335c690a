// The model zoo, as data: each model is a plain ModelSpec that `summary` can print and a
// user can copy into a JSON file. getModel hands out a copy, so callers may change it freely.
// The LeNets live here; the other families in src/model/zoo/ (one file per family).
import { closest } from '../layers/fields';
import type { ModelSpec } from './types';
import { alexnet, alexnetLite, alexnetOwt } from './zoo/alexnet';
import { mlp } from './zoo/mlp';
import { cifarResNet, imageNetResNet } from './zoo/resnet';
import { vgg, vggSmall } from './zoo/vgg';

/** LeNet-5 as it is usually trained today: ReLU, max pooling, full connections, 28x28 input. */
const lenet5: ModelSpec = {
  name: 'lenet5',
  description: 'LeNet-5 in its modern form: 28x28 input (conv1 padded by 2), ReLU, max pooling, 61,706 parameters',
  input: [1, 28, 28],
  classes: 10,
  init: 'he-uniform',
  defaults: { epochs: 12, batchSize: 64, lr: 0.02, momentum: 0.9, weightDecay: 5e-4, schedule: 'cosine' },
  layers: [
    { type: 'conv2d', filters: 6, kernel: 5, pad: 2 },
    { type: 'relu' },
    { type: 'maxpool', size: 2, stride: 2 },
    { type: 'conv2d', filters: 16, kernel: 5 },
    { type: 'relu' },
    { type: 'maxpool', size: 2, stride: 2 },
    { type: 'dense', units: 120 },
    { type: 'relu' },
    { type: 'dense', units: 84 },
    { type: 'relu' },
    { type: 'dense', units: 10 },
  ],
};

/**
 * Table I of LeCun, Bottou, Bengio and Haffner (1998): the S2 maps each C3 map reads. Maps
 * 0-5 read 3 neighbouring maps, 6-11 read 4 neighbouring maps, 12-14 read 4 non-neighbouring
 * ones and 15 reads all six: 60 connections of the 96 a full layer would have.
 */
const C3_TABLE: number[][] = [
  [0, 1, 2],
  [1, 2, 3],
  [2, 3, 4],
  [3, 4, 5],
  [4, 5, 0],
  [5, 0, 1],
  [0, 1, 2, 3],
  [1, 2, 3, 4],
  [2, 3, 4, 5],
  [3, 4, 5, 0],
  [4, 5, 0, 1],
  [5, 0, 1, 2],
  [0, 1, 3, 4],
  [1, 2, 4, 5],
  [0, 2, 3, 5],
  [0, 1, 2, 3, 4, 5],
];

/**
 * LeNet-5 as published in 1998: 32x32 input (MNIST padded by 2 by the data loader), scaled
 * tanh, trainable subsampling, C3's partial connection table. One departure: the output is a
 * dense layer whose logits go to softmax cross-entropy, in place of the paper's RBF units.
 */
const lenet5Classic: ModelSpec = {
  name: 'lenet5-classic',
  description:
    'LeNet-5 as in LeCun et al. 1998: 32x32 input, scaled tanh, trainable subsampling, C3 partial connections (softmax output instead of RBF)',
  input: [1, 32, 32],
  classes: 10,
  init: 'lecun-1998',
  defaults: { epochs: 10, batchSize: 32, lr: 0.02, momentum: 0.9, weightDecay: 0, schedule: 'cosine' },
  layers: [
    { type: 'conv2d', name: 'c1', filters: 6, kernel: 5 },
    { type: 'scaled-tanh' },
    { type: 'subsample', name: 's2', size: 2, stride: 2 },
    { type: 'scaled-tanh' },
    { type: 'conv2d', name: 'c3', filters: 16, kernel: 5, connections: C3_TABLE },
    { type: 'scaled-tanh' },
    { type: 'subsample', name: 's4', size: 2, stride: 2 },
    { type: 'scaled-tanh' },
    { type: 'conv2d', name: 'c5', filters: 120, kernel: 5 },
    { type: 'scaled-tanh' },
    { type: 'dense', name: 'f6', units: 84 },
    { type: 'scaled-tanh' },
    { type: 'dense', name: 'output', units: 10 },
  ],
};

const MODELS: readonly ModelSpec[] = [
  lenet5,
  lenet5Classic,
  mlp,
  alexnetLite,
  vggSmall,
  cifarResNet(20),
  cifarResNet(32),
  cifarResNet(56),
  cifarResNet(20, false),
  alexnet,
  alexnetOwt,
  vgg('vgg11'),
  vgg('vgg13'),
  vgg('vgg16'),
  vgg('vgg19'),
  imageNetResNet(18),
  imageNetResNet(34),
  imageNetResNet(34, false),
];

/** Every zoo model (copies), in a stable order. */
export function listModels(): ModelSpec[] {
  return MODELS.map((m) => structuredClone(m));
}

/** A copy of the zoo model called `name` (case-insensitive); the error lists the known names. */
export function getModel(name: string): ModelSpec {
  const found = MODELS.find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (found) return structuredClone(found);
  const known = MODELS.map((m) => m.name);
  const guess = closest(name, known);
  const hint = guess ? ` Did you mean "${guess}"?` : '';
  throw new Error(
    `unknown model "${name}"; known models: ${known.join(', ')}.${hint} (A path to a .json model file also works.)`,
  );
}
