// The model zoo beyond LeNet: every model plans, its parameter count is the published one,
// residual blocks expand into the graph torchvision's state_dicts describe, the native
// description covers the flat array, overrides work, and model files with residual blocks
// read back and explain their mistakes. Shape-only: no native addon needed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planModel, modelFromJson } from '../../src/model/plan';
import { getModel, listModels } from '../../src/model/zoo';
import { toNativeLayers } from '../../src/model/native-layers';
import { initParams } from '../../src/model/init';
import { formatSummary, summaryJson } from '../../src/model/summary';
import { Rng } from '../../src/train/rng';
import { parseAugment } from '../../src/data/augment';
import type { ModelSpec, Plan, PlannedLayer } from '../../src/model/types';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'residual-mini.json');

const byName = (plan: Plan, name: string): PlannedLayer => {
  const layer = plan.layers.find((l) => l.name === name);
  assert.ok(layer, `no layer ${name} in ${plan.model.name}`);
  return layer;
};
const tensorNames = (plan: Plan) => plan.layers.flatMap((l) => l.params.map((p) => p.name));

/** Parameter counts as published (torchvision for the ImageNet models; trainable only, running statistics excluded). */
const PARAMS: [string, number][] = [
  ['lenet5', 61706],
  ['mlp', 235146],
  ['alexnet-lite', 1842570],
  ['vgg-small', 814122],
  ['resnet20', 272474],
  ['resnet32', 466906],
  ['resnet56', 855770],
  ['plain20', 269722],
  ['alexnet', 62378344],
  ['alexnet-owt', 61100840],
  ['vgg11', 132863336],
  ['vgg13', 133047848],
  ['vgg16', 138357544],
  ['vgg19', 143667240],
  ['resnet18', 11689512],
  ['resnet34', 21797672],
  ['plain34', 21623848],
];

test('every zoo model plans, ends in one value per class, and has unique layer and tensor names', () => {
  const names = listModels().map((m) => m.name);
  for (const wanted of PARAMS.map(([name]) => name)) assert.ok(names.includes(wanted), `${wanted} is in the zoo`);
  for (const model of listModels()) {
    assert.ok(model.description.length > 0 && !model.description.includes('\n'), `${model.name}: one-line description`);
    const d = model.defaults;
    assert.ok(
      d && d.epochs && d.batchSize && d.lr && d.momentum !== undefined && d.weightDecay !== undefined && d.schedule,
      `${model.name}: training defaults`,
    );
    if (d.augment !== undefined)
      assert.doesNotThrow(
        () => parseAugment(d.augment!),
        `${model.name}: augment "${d.augment}" is what --augment reads`,
      );
    const plan = planModel(model);
    assert.deepEqual(plan.layers[plan.layers.length - 1].outputShape, [model.classes, 1, 1], model.name);
    const layerNames = plan.layers.map((l) => l.name);
    assert.equal(new Set(layerNames).size, layerNames.length, `${model.name}: layer names unique`);
    const tensors = tensorNames(plan);
    assert.equal(new Set(tensors).size, tensors.length, `${model.name}: tensor names unique`);
  }
});

test('parameter counts: the published numbers, trainable parameters only', () => {
  for (const [name, params] of PARAMS) assert.equal(planModel(getModel(name)).totals.params, params, name);
  // resnet20 with option-B projections: 269,722 for option A plus two 1x1 convs and their batchnorms.
  assert.equal(272474, 269722 + (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64));
  // The flat array also holds batchnorm's running mean and variance (2 per channel).
  const resnet20 = planModel(getModel('resnet20'));
  const channels = resnet20.layers.filter((l) => l.type === 'batchnorm').reduce((sum, l) => sum + l.outputShape[0], 0);
  assert.equal(resnet20.paramSize, 272474 + 2 * channels);
  // Plain networks have the same layers without projections: plain20 is resnet20 option A.
  assert.equal(planModel(getModel('plain20')).paramSize, 269722 + 2 * (channels - 32 - 64));
});

test('alexnet: conv1 is 96x55x55 with 34,944 parameters; the pools reach 6x6', () => {
  const plan = planModel(getModel('alexnet'));
  const conv1 = byName(plan, 'conv1');
  assert.deepEqual(conv1.outputShape, [96, 55, 55]);
  assert.equal(conv1.paramCount, 34944);
  const row = formatSummary(plan, { batchSize: 1 })
    .split('\n')
    .find((l) => l.startsWith('conv1 '));
  assert.deepEqual(
    row
      ?.trim()
      .split(/\s{2,}/)
      .slice(0, 4),
    ['conv1', 'conv2d 11x11 s4', '96x55x55', '34,944'],
  );
  assert.deepEqual(byName(plan, 'pool1').outputShape, [96, 27, 27]);
  assert.deepEqual(byName(plan, 'pool3').outputShape, [256, 6, 6]);
  assert.deepEqual(byName(plan, 'fc1').params[0].shape, [4096, 9216]);
  assert.deepEqual(
    plan.layers.filter((l) => l.type === 'lrn').map((l) => l.name),
    ['lrn1', 'lrn2'],
  );
  const lrn = toNativeLayers(plan).find((d) => d.kind === 'lrn');
  assert.deepEqual(lrn?.lrn, { size: 5, alpha: 5e-4, beta: 0.75, k: 2 });
  assert.deepEqual(
    toNativeLayers(plan)
      .filter((d) => d.kind === 'dropout')
      .map((d) => d.p),
    [0.5, 0.5],
  );
});

test('alexnet-lite: unpadded 3/2 pools take 32 -> 15 -> 7 -> 3', () => {
  const plan = planModel(getModel('alexnet-lite'));
  assert.deepEqual(
    plan.layers.filter((l) => l.type === 'maxpool').map((l) => l.outputShape),
    [
      [64, 15, 15],
      [128, 7, 7],
      [128, 3, 3],
    ],
  );
  assert.deepEqual(byName(plan, 'fc1').params[0].shape, [512, 1152]);
});

test('vgg16: torchvision names and shapes', () => {
  const plan = planModel(getModel('vgg16'));
  const tensors = tensorNames(plan);
  assert.equal(tensors[0], 'features.0.weight');
  assert.deepEqual(tensors.slice(-6), [
    'classifier.0.weight',
    'classifier.0.bias',
    'classifier.3.weight',
    'classifier.3.bias',
    'classifier.6.weight',
    'classifier.6.bias',
  ]);
  assert.ok(tensors.includes('features.28.weight'), 'the last conv is features.28 as in torchvision');
  assert.deepEqual(byName(plan, 'features.30').outputShape, [512, 7, 7]);
  assert.deepEqual(byName(plan, 'classifier.0').params[0].shape, [4096, 25088]);
  assert.equal(byName(plan, 'classifier.2').type, 'dropout');
});

/** torchvision's resnet18/34 state_dict keys, in order, without num_batches_tracked. */
function torchvisionResNetKeys(blocks: number[]): string[] {
  const bn = (name: string) => ['weight', 'bias', 'running_mean', 'running_var'].map((t) => `${name}.${t}`);
  const keys = ['conv1.weight', ...bn('bn1')];
  blocks.forEach((count, s) => {
    for (let b = 0; b < count; b++) {
      const block = `layer${s + 1}.${b}`;
      keys.push(`${block}.conv1.weight`, ...bn(`${block}.bn1`), `${block}.conv2.weight`, ...bn(`${block}.bn2`));
      if (b === 0 && s > 0) keys.push(`${block}.downsample.0.weight`, ...bn(`${block}.downsample.1`));
    }
  });
  return [...keys, 'fc.weight', 'fc.bias'];
}

test("resnet18 and resnet34 tensors are torchvision's state_dict keys in order, with its shapes", () => {
  assert.deepEqual(tensorNames(planModel(getModel('resnet18'))), torchvisionResNetKeys([2, 2, 2, 2]));
  const plan = planModel(getModel('resnet34'));
  assert.deepEqual(tensorNames(plan), torchvisionResNetKeys([3, 4, 6, 3]));
  const shapeOf = (name: string) => plan.layers.flatMap((l) => l.params).find((p) => p.name === name)?.shape;
  assert.deepEqual(shapeOf('conv1.weight'), [64, 3, 7, 7]);
  assert.deepEqual(shapeOf('layer2.0.downsample.0.weight'), [128, 64, 1, 1]);
  assert.deepEqual(shapeOf('layer4.2.bn2.running_var'), [512]);
  assert.deepEqual(shapeOf('fc.weight'), [1000, 512]);
  assert.deepEqual(byName(plan, 'maxpool').outputShape, [64, 56, 56]);
  assert.deepEqual(byName(plan, 'layer4.2.relu').outputShape, [512, 7, 7]);
});

test('residual graph: adds join two branches, projections only where the shape changes', () => {
  const plan = planModel(getModel('resnet20'));
  const adds = plan.layers.filter((l) => l.type === 'add');
  assert.equal(adds.length, 9);
  for (const add of adds) {
    assert.equal(add.inputs.length, 2, add.name);
    const [body, shortcut] = add.inputs.map((i) => plan.layers[i]);
    assert.deepEqual(body.outputShape, add.outputShape);
    assert.deepEqual(shortcut.outputShape, add.outputShape);
    const block = add.blocks[0];
    assert.equal(body.name, `${block}.bn2`);
    const changes = block === 'layer2.0' || block === 'layer3.0';
    assert.equal(
      shortcut.name,
      changes ? `${block}.downsample.1` : plan.layers[byName(plan, `${block}.conv1`).inputs[0]].name,
      `${block} shortcut`,
    );
    // The activation after the add reads only the add.
    assert.deepEqual(plan.layers[add.index + 1].inputs, [add.index]);
    assert.equal(plan.layers[add.index + 1].name, `${block}.relu`);
  }
  const projection = byName(plan, 'layer2.0.downsample.0');
  assert.deepEqual(
    projection.params.map((p) => p.shape),
    [[32, 16, 1, 1]],
    'a 1x1 conv without bias',
  );
  assert.deepEqual(projection.inputs, byName(plan, 'layer2.0.conv1').inputs, 'the projection reads the block input');
  assert.deepEqual(toNativeLayers(plan)[projection.index].stride, [2, 2]);
  assert.equal(plan.layers.filter((l) => l.name.includes('downsample')).length, 4);
  assert.deepEqual(byName(plan, 'layer1.1.conv1').blocks, ['layer1.1']);
  assert.deepEqual(byName(plan, 'fc').blocks, []);
  // The receptive field through an add is the larger branch's: the body's.
  assert.deepEqual(byName(plan, 'layer2.0.add').receptiveField, byName(plan, 'layer2.0.bn2').receptiveField);
  assert.ok(byName(plan, 'layer2.0.downsample.1').receptiveField[0] < byName(plan, 'layer2.0.add').receptiveField[0]);

  const plain = planModel(getModel('plain20'));
  assert.equal(plain.layers.filter((l) => l.type === 'add' || l.name.includes('downsample')).length, 0);
  assert.ok(
    plain.layers.every((l, i) => l.inputs.length === 1 && l.inputs[0] === i - 1),
    'a plain network is a chain',
  );
  assert.deepEqual(
    plain.layers.map((l) => l.name).filter((n) => n.startsWith('layer2.0.')),
    ['layer2.0.conv1', 'layer2.0.bn1', 'layer2.0.relu1', 'layer2.0.conv2', 'layer2.0.bn2', 'layer2.0.relu'],
  );
});

test('toNativeLayers: contiguous tensors covering paramSize; running statistics inside the array', () => {
  for (const name of ['resnet20', 'resnet18', 'plain34', 'vgg-small', 'alexnet']) {
    const plan = planModel(getModel(name));
    const native = toNativeLayers(plan);
    let end = 0;
    native.forEach((d, i) => {
      const layer = plan.layers[i];
      for (const tensor of layer.params) {
        assert.equal(tensor.offset, end, `${name}: ${tensor.name} follows the previous tensor`);
        end += tensor.size;
      }
      if (d.weightOffset >= 0) assert.equal(d.weightOffset, layer.params.find((p) => p.role === 'weight')?.offset);
      assert.deepEqual(d.inputs, layer.inputs);
      if (d.kind === 'add') assert.equal(d.inputs.length, 2);
      if (d.kind === 'batchnorm') {
        const c = layer.outputShape[0];
        assert.deepEqual([d.weightSize, d.biasSize, d.eps, d.bnMomentum], [c, c, 1e-5, 0.1]);
        for (const offset of [d.runningMeanOffset!, d.runningVarOffset!]) {
          assert.ok(
            Number.isInteger(offset) && offset >= 0 && offset + c <= plan.paramSize,
            `${d.name}: running statistics inside the array`,
          );
        }
        assert.equal(d.runningMeanOffset, d.biasOffset + c);
        assert.equal(d.runningVarOffset, d.runningMeanOffset! + c);
      }
    });
    assert.equal(end, plan.paramSize, name);
  }
  const gap = toNativeLayers(planModel(getModel('resnet20'))).find((d) => d.name === 'avgpool');
  assert.deepEqual(
    [gap?.kind, gap?.kernel, gap?.stride, gap?.pad, gap?.outShape],
    ['avgpool', [8, 8], [8, 8], [0, 0], [64, 1, 1]],
  );
});

test('--input 3,64,64 on resnet20: GAP absorbs the larger maps', () => {
  const plan = planModel(getModel('resnet20'), { input: [3, 64, 64] });
  assert.equal(plan.totals.params, 272474);
  assert.deepEqual(byName(plan, 'layer3.2.relu').outputShape, [64, 16, 16]);
  assert.deepEqual(byName(plan, 'avgpool').outputShape, [64, 1, 1]);
  assert.deepEqual(toNativeLayers(plan).find((d) => d.name === 'avgpool')?.kernel, [16, 16]);
  assert.equal(planModel(getModel('resnet18'), { input: [3, 128, 128] }).totals.params, 11689512);
  // A grey-scale input changes only the stem.
  assert.equal(planModel(getModel('resnet20'), { input: [1, 28, 28] }).totals.params, 272474 - 2 * 16 * 9);
});

test('--classes 100 replaces the classifier', () => {
  const plan = planModel(getModel('resnet20'), { classes: 100 });
  assert.deepEqual(
    byName(plan, 'fc').params.map((p) => p.shape),
    [[100, 64], [100]],
  );
  assert.equal(plan.totals.params, 272474 - 650 + 6500);
  assert.deepEqual(byName(planModel(getModel('vgg16'), { classes: 10 }), 'classifier.6').outputShape, [10, 1, 1]);
});

test('initialisation: batchnorm gamma 1, beta 0, running mean 0, variance 1; ResNets as torchvision', () => {
  const plan = planModel(getModel('resnet20'));
  const params = new Float32Array(plan.paramSize);
  initParams(plan, params, new Rng(3));
  const values = (name: string) => {
    const tensor = plan.layers.flatMap((l) => l.params).find((p) => p.name === name)!;
    return params.subarray(tensor.offset, tensor.offset + tensor.size);
  };
  const expected: Record<string, number> = { weight: 1, bias: 0, running_mean: 0, running_var: 1 };
  for (const [role, value] of Object.entries(expected))
    assert.ok(
      values(`layer2.0.bn1.${role}`).every((v) => v === value),
      role,
    );
  // kaiming_normal(fan_out): std sqrt(2 / (64 * 3 * 3)) for layer3's convs.
  const w = values('layer3.1.conv1.weight');
  const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(Math.abs(std / Math.sqrt(2 / 576) - 1) < 0.05, `std ${std}`);
  // The classifier keeps nn.Linear's U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
  const fc = values('fc.weight');
  const largest = fc.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(largest <= 1 / 8 && largest > 0.9 / 8, `fc max |w| ${largest}`);
});

test('the example residual model plans: projection shortcut, GAP, 15,034 parameters', () => {
  const model = modelFromJson(JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')), EXAMPLE);
  const plan = planModel(model);
  assert.deepEqual(plan.input, [1, 28, 28]);
  assert.equal(plan.totals.params, 144 + 32 + 4608 + 64 + 9216 + 64 + 512 + 64 + 330);
  assert.deepEqual(byName(plan, 'layer1.0.downsample.0').params[0].shape, [32, 16, 1, 1]);
  assert.deepEqual(byName(plan, 'layer1.0.add').outputShape, [32, 7, 7]);
  assert.deepEqual(byName(plan, 'fc').outputShape, [10, 1, 1]);
  assert.equal(model.defaults?.augment, 'shift=2');
});

/** A small model file with one residual block at layer 2, as a user writes it. */
const residualFile = (block: Record<string, unknown>, input = [1, 8, 8]) => ({
  input,
  classes: 10,
  layers: [
    { type: 'conv2d', filters: 4, kernel: 3, pad: 1 },
    { type: 'relu' },
    {
      type: 'residual',
      name: 'layer1.0',
      body: [{ type: 'conv2d', filters: 4, kernel: 3, pad: 1 }, { type: 'batchnorm' }],
      ...block,
    },
    { type: 'gap' },
    { type: 'dense', units: 10 },
  ],
});

test('model files: residual blocks, nested ones included, survive a JSON round trip', () => {
  const nested = residualFile({
    body: [
      { type: 'conv2d', filters: 8, kernel: 3, stride: 2, pad: 1 },
      {
        type: 'residual',
        body: [
          { type: 'conv2d', filters: 8, kernel: 3, pad: 1 },
          { type: 'dropout', p: 0.1 },
        ],
        activation: null,
      },
      { type: 'lrn', size: 3 },
    ],
    activation: 'tanh',
  });
  const plan = planModel(modelFromJson(nested, 'nested.json'));
  assert.deepEqual(
    plan.layers.map((l) => l.name),
    [
      'conv1',
      'relu1',
      'layer1.0.conv1',
      'layer1.0.block1.conv1',
      'layer1.0.block1.dropout1',
      'layer1.0.block1.add',
      'layer1.0.lrn1',
      'layer1.0.downsample.0',
      'layer1.0.downsample.1',
      'layer1.0.add',
      'layer1.0.tanh',
      'gap1',
      'fc1',
    ],
  );
  assert.deepEqual(
    byName(plan, 'layer1.0.block1.add').inputs,
    [4, 2],
    'the inner identity shortcut reads the inner block input',
  );
  assert.deepEqual(byName(plan, 'layer1.0.block1.conv1').blocks, ['layer1.0', 'layer1.0.block1']);
  assert.deepEqual(byName(plan, 'layer1.0.add').inputs, [6, 8]);

  for (const model of [plan.model, getModel('resnet20'), getModel('plain20')]) {
    const read = modelFromJson(JSON.parse(JSON.stringify(model)), `${model.name}.json`);
    const again = planModel(read);
    const original = planModel(model);
    assert.deepEqual(again.totals, original.totals);
    assert.deepEqual(
      again.layers.map((l) => [l.name, l.inputs]),
      original.layers.map((l) => [l.name, l.inputs]),
    );
  }
  // An explicit projection where the shape is kept: a stride-1 1x1 conv.
  const projected = planModel(modelFromJson(residualFile({ shortcut: 'projection' }), 'p.json'));
  assert.deepEqual(toNativeLayers(projected).find((d) => d.name === 'layer1.0.downsample.0')?.stride, [1, 1]);
  const noActivation = planModel(modelFromJson(residualFile({ activation: null }), 'n.json'));
  assert.equal(noActivation.layers[noActivation.layers.length - 3].type, 'add');
});

test('model files: errors name the path to the layer and the field', () => {
  const conv = { type: 'conv2d', filters: 4, kernel: 3, pad: 1 };
  const cases: [unknown, RegExp][] = [
    [
      residualFile({ body: [conv, { type: 'conv2d', filters: -1, kernel: 3 }] }),
      /net\.json: layer 2 \(layer1\.0\) body layer 1 \(conv2\): "filters" must be a positive integer, got -1$/,
    ],
    [
      residualFile({ body: [conv, { type: 'residual', body: [{ type: 'dense' }] }] }),
      /net\.json: layer 2 \(layer1\.0\) body layer 1 \(block1\) body layer 0 \(fc1\): "units" is required/,
    ],
    [residualFile({ body: [] }), /layer 2 \(layer1\.0\): "body" must be a non-empty array of layers/],
    [residualFile({ shortcut: 'conv' }), /layer 2 \(layer1\.0\): "shortcut" must be "identity" or "projection"/],
    [
      residualFile({ activation: 'rleu' }),
      /layer 2 \(layer1\.0\): "activation" must be one of relu, tanh, sigmoid, scaled-tanh, gelu or null .*\(did you mean "relu"\?\)/,
    ],
    [residualFile({ bod: [] }), /layer 2 \(layer1\.0\): unknown field "bod" \(did you mean "body"\?\)/],
    [
      residualFile({ body: [conv, { ...conv, name: 'x' }, { type: 'relu', name: 'x' }] }),
      /layer 2 \(layer1\.0\) body layer 2 \(x\): the name "x" is already used by layer 1/,
    ],
    [residualFile({ body: [{ type: 'add' }] }), /body layer 0 \(layer1\): "add" layers are made by residual blocks/],
    [
      residualFile({ body: [{ type: 'batchnorm', momentum: 1.5 }] }),
      /body layer 0 \(bn1\): "momentum" must be a number greater than 0 and less than 1, got 1\.5/,
    ],
    [
      residualFile({ body: [{ type: 'batchnorm', eps: 0 }] }),
      /body layer 0 \(bn1\): "eps" must be a number greater than 0/,
    ],
    [
      residualFile({ body: [{ type: 'dropout', p: 1 }] }),
      /body layer 0 \(dropout1\): "p" must be a number at least 0 and less than 1, got 1/,
    ],
    [
      residualFile({ body: [{ type: 'lrn', size: 0 }] }),
      /body layer 0 \(lrn1\): "size" must be a positive integer, got 0/,
    ],
    [residualFile({ body: [{ type: 'gap', size: 2 }] }), /body layer 0 \(gap1\): unknown field "size"/],
    [residualFile({ body: [{ type: 'resdual' }] }), /unknown layer type "resdual" \(did you mean "residual"\?\)/],
  ];
  for (const [raw, pattern] of cases) assert.throws(() => modelFromJson(raw, 'net.json'), pattern);
});

test('planning errors in residual blocks name the block', () => {
  const plan = (raw: unknown) => planModel(modelFromJson(raw, 'net.json'));
  assert.throws(
    () => plan(residualFile({ shortcut: 'identity', body: [{ type: 'conv2d', filters: 8, kernel: 3, pad: 1 }] })),
    /model net: layer 2 \(layer1\.0\): an identity shortcut needs the body to keep its input's shape, but the body turns 4x8x8 into 8x8x8; use "shortcut": "projection"/,
  );
  assert.throws(
    () => plan(residualFile({ body: [{ type: 'conv2d', filters: 4, kernel: 3 }] })),
    /layer 2 \(layer1\.0\): the body turns 4x8x8 into 4x6x6, and no 1x1 convolution with a whole-number stride maps 8x8 onto 6x6/,
  );
  assert.throws(
    () => plan(residualFile({ body: [{ type: 'conv2d', filters: 4, kernel: 9 }] })),
    /layer 2 \(layer1\.0\) body layer 0 \(conv1\): a 9x9 filter with stride 1 on a 8x8 input leaves no output/,
  );
  const clash: ModelSpec = {
    name: 'clash',
    description: '',
    input: [1, 4, 4],
    classes: 4,
    layers: [
      { type: 'residual', name: 'a', body: [{ type: 'relu' }] },
      { type: 'relu', name: 'a.relu1' },
      { type: 'flatten' },
      { type: 'dense', units: 4 },
    ],
  };
  assert.throws(
    () => planModel(clash),
    /model clash: two layers are named "a\.relu1" once residual blocks are expanded/,
  );
});

test('summary: vgg16 totals, residual rows with their block prefix, adds with both inputs', () => {
  const vgg16 = formatSummary(planModel(getModel('vgg16')), { batchSize: 1 });
  assert.match(vgg16, /Total params:\s+138,357,544\n/);
  assert.match(vgg16, /^classifier\.2 +dropout p=0\.5 +4096x1x1/m);

  const plan = planModel(getModel('resnet20'));
  const text = formatSummary(plan, { batchSize: 128 });
  const row = (name: string) =>
    text
      .split('\n')
      .find((l) => l.startsWith(`${name} `))
      ?.trim()
      .split(/\s{2,}/);
  assert.deepEqual(row('layer2.0.add')?.slice(0, 4), ['layer2.0.add', 'add bn2 + downsample.1', '32x16x16', '0']);
  assert.deepEqual(row('layer1.1.add')?.slice(0, 2), ['layer1.1.add', 'add bn2 + layer1.0.relu']);
  assert.deepEqual(row('layer1.0.bn1'), [
    'layer1.0.bn1',
    'batchnorm',
    '16x32x32',
    '32',
    '32',
    '16,384',
    '5x5',
    '+32 running mean/var (not trained)',
  ]);
  assert.deepEqual(row('avgpool')?.slice(0, 4), ['avgpool', 'global avgpool', '64x1x1', '0']);
  assert.match(text, /Total params:\s+272,474 \(274,042 stored; batchnorm running statistics are not trained\)/);
  const json = summaryJson(plan, { batchSize: 128 });
  assert.deepEqual(json.layers.find((l) => l.name === 'layer2.0.add')?.inputs, [
    'layer2.0.bn2',
    'layer2.0.downsample.1',
  ]);
  assert.equal(json.layers.find((l) => l.name === 'fc')?.inputs, undefined);
});
