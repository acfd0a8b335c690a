// ResNets (He, Zhang, Ren and Sun 2016) built from BasicBlocks: two 3x3 convolutions
// without bias, each followed by batchnorm, ReLU between them and after the add. Stage s,
// block b is named layer<s>.<b> and its layers follow torchvision's state_dict
// (layer2.0.conv1, layer2.0.bn1, layer2.0.downsample.0, ...), the stem conv1/bn1 and the
// head fc, so weights move to and from torchvision. Where the shape changes the shortcut is
// a 1x1 convolution + batchnorm (option B, which the planner inserts). The "plain"
// networks are the same layers without the shortcuts and adds (the paper's baselines).
import type { LayerSpec, ModelSpec, TrainDefaults } from '../types';

/** One stage: its width and the stride of its first block. */
interface Stage {
  blocks: number;
  filters: number;
  stride: number;
}

const conv3x3 = (filters: number, stride: number, name?: string): LayerSpec => ({
  type: 'conv2d',
  ...(name ? { name } : {}),
  filters,
  kernel: 3,
  stride,
  pad: 1,
  bias: false,
});

/** A BasicBlock's body; with `prefix` its layers carry full names (for plain networks, which have no block to prefix them). */
function basicBody(filters: number, stride: number, prefix?: string): LayerSpec[] {
  const named = (local: string) => (prefix ? { name: `${prefix}.${local}` } : {});
  return [
    conv3x3(filters, stride, prefix && `${prefix}.conv1`),
    { type: 'batchnorm', ...named('bn1') },
    { type: 'relu', ...named('relu1') },
    conv3x3(filters, 1, prefix && `${prefix}.conv2`),
    { type: 'batchnorm', ...named('bn2') },
  ];
}

/** The stages' blocks: residual blocks, or for a plain network the same bodies followed by ReLU. */
function stages(list: Stage[], residual: boolean): LayerSpec[] {
  return list.flatMap((stage, s) =>
    Array.from({ length: stage.blocks }, (_, b): LayerSpec[] => {
      const name = `layer${s + 1}.${b}`;
      const stride = b === 0 ? stage.stride : 1;
      if (residual) return [{ type: 'residual', name, body: basicBody(stage.filters, stride), activation: 'relu' }];
      return [...basicBody(stage.filters, stride, name), { type: 'relu', name: `${name}.relu` }];
    }).flat(),
  );
}

/** He et al.'s CIFAR recipe (lr 0.1, batch 128, weight decay 1e-4) with a cosine schedule in place of the 164-epoch steps. */
const CIFAR_DEFAULTS: TrainDefaults = {
  epochs: 100,
  batchSize: 128,
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 1e-4,
  schedule: 'cosine',
  augment: 'crop=4,flip',
};

/** The ImageNet recipe (lr 0.1 at batch 256, weight decay 1e-4, 90 epochs) scaled linearly to batch 64, which fits CPU memory. */
const IMAGENET_DEFAULTS: TrainDefaults = {
  epochs: 90,
  batchSize: 64,
  lr: 0.025,
  momentum: 0.9,
  weightDecay: 1e-4,
  schedule: 'cosine',
  augment: 'flip',
};

/** The CIFAR networks of section 4.2: 6n+2 layers, 16/32/64 filters on 32x32, 16x16, 8x8 maps. */
export function cifarResNet(depth: 20 | 32 | 56, residual = true): ModelSpec {
  const n = (depth - 2) / 6;
  const kind = residual ? 'ResNet' : 'plain network';
  return {
    name: `${residual ? 'resnet' : 'plain'}${depth}`,
    description: `${depth}-layer CIFAR ${kind} (He et al. 2016): 3 stages of ${n} ${residual ? 'BasicBlocks' : 'block bodies'} with 16/32/64 filters, batchnorm${residual ? ', 1x1 projections where the shape changes' : ', no shortcuts'}, GAP`,
    input: [3, 32, 32],
    classes: 10,
    init: 'he-normal-fan-out',
    defaults: { ...CIFAR_DEFAULTS },
    layers: [
      conv3x3(16, 1, 'conv1'),
      { type: 'batchnorm', name: 'bn1' },
      { type: 'relu', name: 'relu' },
      ...stages(
        [
          { blocks: n, filters: 16, stride: 1 },
          { blocks: n, filters: 32, stride: 2 },
          { blocks: n, filters: 64, stride: 2 },
        ],
        residual,
      ),
      { type: 'gap', name: 'avgpool' },
      { type: 'dense', name: 'fc', units: 10 },
    ],
  };
}

/** The ImageNet BasicBlock networks of table 1 (torchvision's resnet18/resnet34). */
export function imageNetResNet(depth: 18 | 34, residual = true): ModelSpec {
  const blocks = depth === 18 ? [2, 2, 2, 2] : [3, 4, 6, 3];
  const widths = [64, 128, 256, 512];
  return {
    name: `${residual ? 'resnet' : 'plain'}${depth}`,
    description: `${depth}-layer ImageNet ${residual ? 'ResNet' : 'plain network'} (He et al. 2016, torchvision names): 224x224, stages [${blocks.join(',')}] of 64/128/256/512, ${residual ? 'BasicBlocks' : 'no shortcuts'}, GAP, 1000 classes`,
    input: [3, 224, 224],
    classes: 1000,
    init: 'he-normal-fan-out',
    defaults: { ...IMAGENET_DEFAULTS },
    layers: [
      { type: 'conv2d', name: 'conv1', filters: 64, kernel: 7, stride: 2, pad: 3, bias: false },
      { type: 'batchnorm', name: 'bn1' },
      { type: 'relu', name: 'relu' },
      { type: 'maxpool', name: 'maxpool', size: 3, stride: 2, pad: 1 },
      ...stages(
        blocks.map((count, s) => ({ blocks: count, filters: widths[s], stride: s === 0 ? 1 : 2 })),
        residual,
      ),
      { type: 'gap', name: 'avgpool' },
      { type: 'dense', name: 'fc', units: 1000 },
    ],
  };
}
