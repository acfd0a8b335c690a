// A multilayer perceptron on 28x28 digits: a baseline without convolutions, for comparing
// what the convolutional models gain. Dense layers flatten their input themselves.
import type { ModelSpec } from '../types';

export const mlp: ModelSpec = {
  name: 'mlp',
  description:
    'multilayer perceptron for 28x28 digits: dense 256, ReLU, dense 128, ReLU, dense 10 (235,146 parameters)',
  input: [1, 28, 28],
  classes: 10,
  init: 'he-uniform',
  defaults: { epochs: 20, batchSize: 64, lr: 0.05, momentum: 0.9, weightDecay: 1e-4, schedule: 'cosine' },
  layers: [
    { type: 'dense', units: 256 },
    { type: 'relu' },
    { type: 'dense', units: 128 },
    { type: 'relu' },
    { type: 'dense', units: 10 },
  ],
};
