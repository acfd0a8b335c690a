// VGG networks (Simonyan and Zisserman 2015): configurations A, B, D and E (vgg11, vgg13,
// vgg16, vgg19) on 3x224x224 with 1000 classes, and vgg-small, a CIFAR-size cousin. The
// ImageNet ones name their layers as torchvision does (features.N for the convolutional
// part, classifier.N for the head, N counting every module, ReLU and pooling included), so
// their state_dicts match torchvision's vgg16 etc. torchvision's AdaptiveAvgPool2d(7) is
// left out: on 224x224 input it is the identity (the features are already 512x7x7).
// Initialisation as torchvision's: convolutions kaiming-normal over fan-out, dense layers
// nn.Linear's U(+-1/sqrt(fanIn)). He-uniform over fan-in everywhere starts these networks
// without batchnorm with huge logits (the max pools raise the scale, the dense layers keep
// it): on a 32-image check, vgg-small's first loss was 7.8 and alexnet-lite's reached
// 36,953 within 8 steps at lr 0.02, while this scheme starts both at ln(10) and trains.
import type { LayerSpec, ModelSpec } from '../types';

/** A configuration as in the paper's table 1: conv widths, 'M' for a 2x2 max pool. */
type Config = (number | 'M')[];

const CONFIGS: Record<'vgg11' | 'vgg13' | 'vgg16' | 'vgg19', { letter: string; config: Config }> = {
  vgg11: { letter: 'A', config: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'] },
  vgg13: { letter: 'B', config: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'] },
  vgg16: {
    letter: 'D',
    config: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  },
  vgg19: {
    letter: 'E',
    config: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
  },
};

/** Numbers layers as an nn.Sequential does: `<prefix>.0`, `<prefix>.1`, ... */
function sequential(prefix: string, layers: LayerSpec[]): LayerSpec[] {
  return layers.map((layer, i) => ({ ...layer, name: `${prefix}.${i}` }));
}

function features(config: Config): LayerSpec[] {
  return config.flatMap((entry): LayerSpec[] =>
    entry === 'M'
      ? [{ type: 'maxpool', size: 2, stride: 2 }]
      : [{ type: 'conv2d', filters: entry, kernel: 3, pad: 1 }, { type: 'relu' }],
  );
}

/** vgg11, vgg13, vgg16 or vgg19. */
export function vgg(name: keyof typeof CONFIGS): ModelSpec {
  const { letter, config } = CONFIGS[name];
  const convs = config.filter((c) => c !== 'M').length;
  return {
    name,
    description: `VGG configuration ${letter} (Simonyan & Zisserman 2015, torchvision names): ${convs} 3x3 convs and 3 FC layers (4096-4096-1000, dropout 0.5) on 224x224`,
    input: [3, 224, 224],
    classes: 1000,
    init: 'he-normal-fan-out',
    // The paper's recipe (batch 256, lr 0.01, weight decay 5e-4, 74 epochs) scaled linearly to batch 64.
    defaults: {
      epochs: 74,
      batchSize: 64,
      lr: 0.0025,
      momentum: 0.9,
      weightDecay: 5e-4,
      schedule: 'cosine',
      augment: 'flip',
    },
    layers: [
      ...sequential('features', features(config)),
      ...sequential('classifier', [
        { type: 'dense', units: 4096 },
        { type: 'relu' },
        { type: 'dropout', p: 0.5 },
        { type: 'dense', units: 4096 },
        { type: 'relu' },
        { type: 'dropout', p: 0.5 },
        { type: 'dense', units: 1000 },
      ]),
    ],
  };
}

/** Three VGG stages of two 3x3 convs (32/64/128 filters) for 32x32 colour images: 814,122 parameters. */
export const vggSmall: ModelSpec = {
  name: 'vgg-small',
  description:
    'small VGG for CIFAR-10: [conv3x3 x2, maxpool] x3 with 32/64/128 filters, dense 256, dropout 0.5, 814,122 parameters',
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
    ...features([32, 32, 'M', 64, 64, 'M', 128, 128, 'M']),
    { type: 'dense', units: 256 },
    { type: 'relu' },
    { type: 'dropout', p: 0.5 },
    { type: 'dense', units: 10 },
  ],
};
