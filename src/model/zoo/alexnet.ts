// AlexNet (Krizhevsky, Sutskever and Hinton 2012) on 3x227x227 as one tower (no two-GPU
// grouping, so conv2, conv4 and conv5 read all their input maps), with its local response
// normalisation after conv1 and conv2; and alexnet-lite, the same shape of network sized
// for 32x32 CIFAR images, without LRN. Both initialise as torchvision does (convolutions
// kaiming-normal over fan-out, dense layers nn.Linear's default): see vgg.ts for why.
import type { LayerSpec, ModelSpec } from '../types';

/**
 * The paper's normalisation: k = 2, n = 5, alpha = 1e-4, beta = 0.75, with alpha NOT divided
 * by n. The lrn layer follows PyTorch, which divides by size, so alpha is 5 x 1e-4 here.
 */
const PAPER_LRN = { type: 'lrn', size: 5, alpha: 5e-4, beta: 0.75, k: 2 } as const;

export const alexnet: ModelSpec = {
  name: 'alexnet',
  description:
    'AlexNet as in Krizhevsky et al. 2012 without the two-GPU split: 227x227, 5 convs with LRN, 3 max pools, FC 4096-4096-1000 with dropout',
  input: [3, 227, 227],
  classes: 1000,
  init: 'he-normal-fan-out',
  // The paper's recipe (batch 128, lr 0.01, momentum 0.9, weight decay 5e-4, ~90 epochs) scaled linearly to batch 64.
  defaults: {
    epochs: 90,
    batchSize: 64,
    lr: 0.005,
    momentum: 0.9,
    weightDecay: 5e-4,
    schedule: 'cosine',
    augment: 'flip',
  },
  layers: [
    { type: 'conv2d', filters: 96, kernel: 11, stride: 4 },
    { type: 'relu' },
    { ...PAPER_LRN },
    { type: 'maxpool', size: 3, stride: 2 },
    { type: 'conv2d', filters: 256, kernel: 5, pad: 2 },
    { type: 'relu' },
    { ...PAPER_LRN },
    { type: 'maxpool', size: 3, stride: 2 },
    { type: 'conv2d', filters: 384, kernel: 3, pad: 1 },
    { type: 'relu' },
    { type: 'conv2d', filters: 384, kernel: 3, pad: 1 },
    { type: 'relu' },
    { type: 'conv2d', filters: 256, kernel: 3, pad: 1 },
    { type: 'relu' },
    { type: 'maxpool', size: 3, stride: 2 },
    { type: 'dropout', p: 0.5 },
    { type: 'dense', units: 4096 },
    { type: 'relu' },
    { type: 'dropout', p: 0.5 },
    { type: 'dense', units: 4096 },
    { type: 'relu' },
    { type: 'dense', units: 1000 },
  ],
};

/**
 * torchvision's AlexNet: the single-tower variant of Krizhevsky's "One weird trick" (2014),
 * 64-192-384-256-256 filters, no LRN, dropout before each hidden FC layer, with torchvision's
 * layer names (features.N, classifier.N counting every module) so its state_dict loads as is.
 * torchvision's AdaptiveAvgPool2d(6) is left out: on 224x224 input the features are already 256x6x6.
 */
export const alexnetOwt: ModelSpec = {
  name: 'alexnet-owt',
  description:
    'torchvision\'s AlexNet (Krizhevsky 2014, "one weird trick", torchvision names): 224x224, 5 convs 64-192-384-256-256 without LRN, FC 4096-4096-1000 with dropout',
  input: [3, 224, 224],
  classes: 1000,
  init: 'he-normal-fan-out',
  // torchvision's reference recipe (batch 128, lr 0.01, weight decay 1e-4, 90 epochs) scaled linearly to batch 64.
  defaults: {
    epochs: 90,
    batchSize: 64,
    lr: 0.005,
    momentum: 0.9,
    weightDecay: 1e-4,
    schedule: 'cosine',
    augment: 'flip',
  },
  layers: [
    ...[
      { type: 'conv2d', filters: 64, kernel: 11, stride: 4, pad: 2 },
      { type: 'relu' },
      { type: 'maxpool', size: 3, stride: 2 },
      { type: 'conv2d', filters: 192, kernel: 5, pad: 2 },
      { type: 'relu' },
      { type: 'maxpool', size: 3, stride: 2 },
      { type: 'conv2d', filters: 384, kernel: 3, pad: 1 },
      { type: 'relu' },
      { type: 'conv2d', filters: 256, kernel: 3, pad: 1 },
      { type: 'relu' },
      { type: 'conv2d', filters: 256, kernel: 3, pad: 1 },
      { type: 'relu' },
      { type: 'maxpool', size: 3, stride: 2 },
    ].map((layer, i) => ({ ...layer, name: `features.${i}` }) as LayerSpec),
    ...[
      { type: 'dropout', p: 0.5 },
      { type: 'dense', units: 4096 },
      { type: 'relu' },
      { type: 'dropout', p: 0.5 },
      { type: 'dense', units: 4096 },
      { type: 'relu' },
      { type: 'dense', units: 1000 },
    ].map((layer, i) => ({ ...layer, name: `classifier.${i}` }) as LayerSpec),
  ],
};

/** Overlapping 3/2 max pools without padding take 32 -> 15 -> 7 -> 3, so fc1 reads 128x3x3: 1,842,570 parameters. */
export const alexnetLite: ModelSpec = {
  name: 'alexnet-lite',
  description:
    'AlexNet-shaped network for CIFAR-10: 5 convs (64-128-192-192-128), overlapping max pools, FC 512-512-10 with dropout, 1,842,570 parameters',
  input: [3, 32, 32],
  classes: 10,
  init: 'he-normal-fan-out',
  defaults: {
    epochs: 40,
    batchSize: 128,
    lr: 0.02,
    momentum: 0.9,
    weightDecay: 5e-4,
    schedule: 'cosine',
    augment: 'crop=4,flip',
  },
  layers: [
    { type: 'conv2d', filters: 64, kernel: 5, pad: 2 },
    { type: 'relu' },
    { type: 'maxpool', size: 3, stride: 2 },
    { type: 'conv2d', filters: 128, kernel: 5, pad: 2 },
    { type: 'relu' },
    { type: 'maxpool', size: 3, stride: 2 },
    { type: 'conv2d', filters: 192, kernel: 3, pad: 1 },
    { type: 'relu' },
    { type: 'conv2d', filters: 192, kernel: 3, pad: 1 },
    { type: 'relu' },
    { type: 'conv2d', filters: 128, kernel: 3, pad: 1 },
    { type: 'relu' },
    { type: 'maxpool', size: 3, stride: 2 },
    { type: 'dropout', p: 0.5 },
    { type: 'dense', units: 512 },
    { type: 'relu' },
    { type: 'dropout', p: 0.5 },
    { type: 'dense', units: 512 },
    { type: 'relu' },
    { type: 'dense', units: 10 },
  ],
};
