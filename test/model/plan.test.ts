// Shape inference on the zoo and on small hand-made models: parameter and connection counts
// (LeNet-5 modern and as published in 1998), output shapes, names, offsets, the errors a
// user sees, and initialisation. No native addon needed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { planModel, modelFromJson } from '../../src/model/plan';
import { getModel, listModels } from '../../src/model/zoo';
import { toNativeLayers } from '../../src/model/native-layers';
import { initParams } from '../../src/model/init';
import { Rng } from '../../src/train/rng';
import type { ModelSpec, Plan } from '../../src/model/types';

const byName = (plan: Plan, name: string) => {
  const layer = plan.layers.find((l) => l.name === name);
  assert.ok(layer, `no layer ${name}`);
  return layer;
};

/** A model from a raw JSON-like object, as a user's file would give it. */
const userModel = (input: number[], classes: number, layers: unknown[]): ModelSpec =>
  modelFromJson({ name: 'test', input, classes, layers }, 'test.json');

test('lenet5: 61,706 parameters, per-layer counts and shapes', () => {
  const plan = planModel(getModel('lenet5'));
  assert.equal(plan.totals.params, 61706);
  assert.equal(plan.paramSize, 61706);
  assert.deepEqual(
    plan.layers.map((l) => l.name),
    ['conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2', 'fc1', 'relu3', 'fc2', 'relu4', 'fc3'],
  );
  const expected: [string, number[], number, number][] = [
    ['conv1', [6, 28, 28], 156, 122304],
    ['pool1', [6, 14, 14], 0, 0],
    ['conv2', [16, 10, 10], 2416, 241600],
    ['pool2', [16, 5, 5], 0, 0],
    ['fc1', [120, 1, 1], 48120, 48120],
    ['fc2', [84, 1, 1], 10164, 10164],
    ['fc3', [10, 1, 1], 850, 850],
  ];
  for (const [name, shape, params, connections] of expected) {
    const layer = byName(plan, name);
    assert.deepEqual(layer.outputShape, shape, `${name} shape`);
    assert.equal(layer.paramCount, params, `${name} params`);
    assert.equal(layer.connections, connections, `${name} connections`);
  }
  assert.deepEqual(
    byName(plan, 'conv2').params.map((p) => [p.name, p.shape]),
    [
      ['conv2.weight', [16, 6, 5, 5]],
      ['conv2.bias', [16]],
    ],
  );
  assert.deepEqual(byName(plan, 'fc1').params[0].shape, [120, 400], 'dense flattens C*H*W');
  assert.deepEqual(byName(plan, 'conv2').receptiveField, [14, 14]);
  assert.deepEqual(byName(plan, 'pool2').jump, [4, 4]);
  assert.deepEqual(byName(plan, 'fc1').receptiveField, [28, 28], 'dense sees the whole input');
  assert.equal(plan.totals.activations, 784 + plan.layers.reduce((s, l) => s + l.activations, 0));
});

test("lenet5-classic reproduces the 1998 paper's counts", () => {
  const plan = planModel(getModel('lenet5-classic'));
  const table: [string, number[], number, number][] = [
    ['c1', [6, 28, 28], 156, 122304],
    ['s2', [6, 14, 14], 12, 5880],
    ['c3', [16, 10, 10], 1516, 151600],
    ['s4', [16, 5, 5], 32, 2000],
    ['c5', [120, 1, 1], 48120, 48120],
    ['f6', [84, 1, 1], 10164, 10164],
    ['output', [10, 1, 1], 850, 850],
  ];
  for (const [name, shape, params, connections] of table) {
    const layer = byName(plan, name);
    assert.deepEqual(layer.outputShape, shape, `${name} shape`);
    assert.equal(layer.paramCount, params, `${name} params`);
    assert.equal(layer.connections, connections, `${name} connections`);
  }
  assert.deepEqual(plan.input, [1, 32, 32]);
  assert.equal(plan.layers.filter((l) => l.type === 'scaled-tanh').length, 6);
  assert.deepEqual(byName(plan, 'c5').receptiveField, [32, 32]);
  assert.deepEqual(
    plan.layers.flatMap((l) => l.params.map((p) => p.name)),
    [
      'c1.weight',
      'c1.bias',
      's2.weight',
      's2.bias',
      'c3.weight',
      'c3.bias',
      's4.weight',
      's4.bias',
      'c5.weight',
      'c5.bias',
      'f6.weight',
      'f6.bias',
      'output.weight',
      'output.bias',
    ],
  );
});

test('C3 mask follows Table I: 60 connected maps, 1,500 weights + 16 biases, full-size tensor', () => {
  // Table I of LeCun et al. 1998, rows = S2 maps, columns = C3 maps, transcribed as printed.
  const tableI = [
    'X   XXX  XXXX XX',
    'XX   XXX  XXXX X',
    'XXX   XXX  X XXX',
    ' XXX  XXXX  X XX',
    '  XXX  XXXX XX X',
    '   XXX  XXXX XXX',
  ];
  const c3 = byName(planModel(getModel('lenet5-classic')), 'c3');
  assert.deepEqual(c3.params[0].shape, [16, 6, 5, 5]);
  const mask = c3.weightMask;
  assert.ok(mask);
  assert.equal(mask.length, 16 * 6 * 25);
  let connectedMaps = 0;
  for (let oc = 0; oc < 16; oc++) {
    for (let ic = 0; ic < 6; ic++) {
      const block = mask.subarray((oc * 6 + ic) * 25, (oc * 6 + ic + 1) * 25);
      const on = tableI[ic][oc] === 'X';
      assert.ok(
        block.every((m) => m === (on ? 1 : 0)),
        `map ${oc} <- ${ic}`,
      );
      if (on) connectedMaps++;
    }
  }
  assert.equal(connectedMaps, 60);
  assert.equal(
    mask.reduce((s, m) => s + m, 0),
    1500,
  );
  assert.equal(c3.paramCount, 1500 + 16);
});

test('a 3x3 filter with stride 3 on 7x7 leaves 1 row and column unused', () => {
  const plan = planModel(userModel([1, 7, 7], 4, [{ type: 'conv2d', filters: 1, kernel: 3, stride: 3 }]));
  const conv = plan.layers[0];
  assert.deepEqual(conv.outputShape, [1, 2, 2]);
  assert.deepEqual(conv.unused, { rows: 1, cols: 1 });
  const exact = planModel(userModel([1, 7, 7], 25, [{ type: 'conv2d', filters: 1, kernel: 3, stride: 1 }]));
  assert.equal(exact.layers[0].unused, undefined);
  const uneven = planModel(userModel([1, 8, 7], 4, [{ type: 'maxpool', size: [3, 3], stride: [3, 3] }]));
  assert.deepEqual(uneven.layers[0].unused, { rows: 2, cols: 1 });
});

test('an empty output names the layer and the arithmetic', () => {
  assert.throws(
    () => planModel(getModel('lenet5'), { input: [1, 10, 10] }),
    (err: Error) => {
      assert.match(
        err.message,
        /layer 5 \(pool2\): a 2x2 window with stride 2 on a 1x1 input leaves no output: floor\(\(1 \+ 2\*0 - 2\) \/ 2\) \+ 1 = 0/,
      );
      return true;
    },
  );
  assert.throws(
    () => planModel(userModel([1, 4, 4], 10, [{ type: 'conv2d', filters: 2, kernel: 5, pad: 0 }])),
    /layer 0 \(conv1\): a 5x5 filter with stride 1 on a 4x4 input leaves no output: floor\(\(4 \+ 2\*0 - 5\) \/ 1\) \+ 1 = 0/,
  );
});

test('the classes and input overrides', () => {
  const more = planModel(getModel('lenet5'), { classes: 47 });
  assert.equal(more.classes, 47);
  assert.deepEqual(byName(more, 'fc3').outputShape, [47, 1, 1]);
  assert.equal(more.totals.params, 61706 - 850 + 85 * 47);
  assert.equal((more.model.layers[10] as { units: number }).units, 47);

  const color = planModel(getModel('lenet5'), { input: [3, 32, 32] });
  assert.deepEqual(color.input, [3, 32, 32]);
  assert.deepEqual(byName(color, 'conv1').params[0].shape, [6, 3, 5, 5]);
  assert.deepEqual(byName(color, 'pool2').outputShape, [16, 6, 6]);
  assert.deepEqual(byName(color, 'fc1').params[0].shape, [120, 576]);
  // The zoo hands out copies: an override never leaks into the next getModel.
  assert.deepEqual(getModel('lenet5').input, [1, 28, 28]);
});

test('the last layer must output one value per class', () => {
  assert.throws(
    () => planModel(userModel([1, 8, 8], 10, [{ type: 'dense', units: 32 }, { type: 'relu' }])),
    /layer 1 \(relu1\): the last layer outputs 32 values \(32x1x1\), but the model has 10 classes/,
  );
});

test('modelFromJson errors name the file, the layer and the field', () => {
  const conv = { type: 'conv2d', filters: 6, kernel: 5 };
  const withLayer = (layer: unknown, index = 3) => {
    const layers: unknown[] = [
      conv,
      { type: 'relu' },
      { type: 'maxpool', size: 2 },
      conv,
      { type: 'dense', units: 10 },
    ];
    layers[index] = layer;
    return { input: [1, 28, 28], classes: 10, layers };
  };
  const cases: [unknown, RegExp][] = [
    [
      withLayer({ ...conv, filters: -4 }),
      /net\.json: layer 3 \(conv2\): "filters" must be a positive integer, got -4$/,
    ],
    [withLayer({ type: 'conv2d', kernel: 5 }), /net\.json: layer 3 \(conv2\): "filters" is required/],
    [
      withLayer({ ...conv, kernel: -3 }),
      /net\.json: layer 3 \(conv2\): "kernel" must be a positive integer or \[height, width\].*got -3/,
    ],
    [withLayer({ ...conv, pad: [1, 'a'] }), /layer 3 \(conv2\): "pad" must be a non-negative integer/],
    [withLayer({ ...conv, filter: 6 }), /layer 3 \(conv2\): unknown field "filter" \(did you mean "filters"\?\)/],
    [
      withLayer({ type: 'conv', filters: 6, kernel: 5 }),
      /net\.json: layer 3 \(layer1\): unknown layer type "conv" \(did you mean "conv2d"\?\)/,
    ],
    [withLayer({ type: 'maxpool' }, 2), /layer 2 \(pool1\): "size" is required/],
    [withLayer({ type: 'dense', units: 2.5 }, 4), /layer 4 \(fc1\): "units" must be a positive integer, got 2\.5/],
    [withLayer({ ...conv, bias: 'yes' }), /layer 3 \(conv2\): "bias" must be true or false/],
    [withLayer({ type: 'relu', name: 'my relu' }, 1), /layer 1 \(my relu\): "name" must be a string of letters/],
    [
      withLayer({ ...conv, connections: [[0]] }),
      /layer 3 \(conv2\): "connections" must list, for each of the 6 filters/,
    ],
    [
      { ...withLayer(conv), input: [1, 28] },
      /net\.json: "input" must be \[channels, height, width\] of positive integers, got \[1,28\]/,
    ],
    [{ ...withLayer(conv), classes: 0 }, /net\.json: "classes" must be a positive integer, got 0/],
    [{ ...withLayer(conv), layers: [] }, /net\.json: "layers" must be a non-empty array/],
    [{ ...withLayer(conv), init: 'he' }, /net\.json: "init" must be one of/],
    [{ ...withLayer(conv), colour: true }, /net\.json: unknown field "colour"/],
    [
      { ...withLayer(conv), defaults: { lr: -1 } },
      /net\.json: "defaults": "lr" is -1: The learning rate must be greater than 0/,
    ],
  ];
  for (const [raw, pattern] of cases) assert.throws(() => modelFromJson(raw, 'net.json'), pattern);
});

test('a zoo model survives a JSON round trip through modelFromJson', () => {
  for (const model of listModels()) {
    const read = modelFromJson(JSON.parse(JSON.stringify(model)), `${model.name}.json`);
    assert.equal(read.name, model.name);
    assert.deepEqual(planModel(read).totals, planModel(model).totals);
  }
  assert.equal(
    modelFromJson({ input: [1, 8, 8], classes: 2, layers: [{ type: 'dense', units: 2 }] }, 'dir/tiny.json').name,
    'tiny',
  );
});

test('names are unique and PyTorch-like; explicit names win', () => {
  for (const model of listModels()) {
    const plan = planModel(model);
    const names = plan.layers.map((l) => l.name);
    assert.equal(new Set(names).size, names.length, model.name);
    // Dotted paths inside residual blocks and VGG's Sequentials, as PyTorch's state_dict keys.
    for (const tensor of plan.layers.flatMap((l) => l.params)) {
      assert.match(tensor.name, /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*\.(weight|bias|running_mean|running_var)$/);
    }
  }
  const plan = planModel(
    userModel([1, 8, 8], 10, [
      { type: 'conv2d', filters: 2, kernel: 3 },
      { type: 'conv2d', name: 'conv1', filters: 2, kernel: 3 },
      { type: 'avgpool', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 10 },
    ]),
  );
  assert.deepEqual(
    plan.layers.map((l) => l.name),
    ['conv2', 'conv1', 'pool1', 'flatten1', 'fc1'],
  );
  assert.deepEqual(plan.layers[3].outputShape, [8, 1, 1]);
  assert.throws(
    () =>
      userModel([1, 8, 8], 10, [
        { type: 'relu', name: 'a' },
        { type: 'dense', units: 10, name: 'a' },
      ]),
    /layer 1 \(a\): the name "a" is already used by layer 0/,
  );
});

test('getModel: copies, and unknown names list the zoo with a suggestion', () => {
  assert.equal(getModel('LeNet5').name, 'lenet5');
  assert.throws(
    () => getModel('lenet'),
    (err: Error) => {
      assert.match(err.message, /unknown model "lenet"/);
      assert.match(err.message, /lenet5, lenet5-classic/);
      assert.match(err.message, /Did you mean "lenet5"\?/);
      return true;
    },
  );
  assert.throws(() => getModel('lenet5classic'), /Did you mean "lenet5-classic"\?/);
});

test('toNativeLayers: offsets contiguous, covering paramSize; kinds and windows', () => {
  for (const model of listModels()) {
    const plan = planModel(model);
    const native = toNativeLayers(plan);
    assert.equal(native.length, plan.layers.length);
    // Weight, bias, then batchnorm's running statistics: together they tile the flat array.
    const spans = native
      .flatMap((d, i) => {
        const stats = plan.layers[i].params.filter((p) => p.role.startsWith('running_'));
        assert.deepEqual(
          [d.runningMeanOffset, d.runningVarOffset].filter((o) => o !== undefined),
          stats.map((p) => p.offset),
        );
        return [[d.weightOffset, d.weightSize], [d.biasOffset, d.biasSize], ...stats.map((p) => [p.offset, p.size])];
      })
      .filter(([o]) => o >= 0);
    let end = 0;
    for (const [offset, size] of spans) {
      assert.equal(offset, end, `${model.name}: tensors are contiguous`);
      assert.ok(size > 0);
      end += size;
    }
    assert.equal(end, plan.paramSize);
    native.forEach((d, i) => {
      assert.equal(d.kind, plan.layers[i].type === 'gap' ? 'avgpool' : plan.layers[i].type);
      assert.deepEqual(d.inputs, plan.layers[i].inputs);
      assert.ok(
        d.inputs.every((producer) => producer >= -1 && producer < i),
        'producers come first',
      );
      assert.deepEqual(d.inShape, plan.layers[i].inputShape);
      assert.deepEqual(d.outShape, plan.layers[i].outputShape);
      if (d.weightOffset < 0) assert.equal(d.weightSize, 0);
      if (d.biasOffset < 0) assert.equal(d.biasSize, 0);
    });
  }
  const classic = toNativeLayers(planModel(getModel('lenet5-classic')));
  const c3 = classic.find((d) => d.name === 'c3');
  assert.ok(c3?.weightMask && c3.weightMask.length === c3.weightSize);
  const s2 = classic.find((d) => d.name === 's2');
  assert.deepEqual(
    [s2?.kind, s2?.kernel, s2?.stride, s2?.pad, s2?.weightSize, s2?.biasSize],
    ['subsample', [2, 2], [2, 2], [0, 0], 6, 6],
  );
  const modern = toNativeLayers(planModel(getModel('lenet5')));
  assert.deepEqual(
    [modern[0].kernel, modern[0].stride, modern[0].pad],
    [
      [5, 5],
      [1, 1],
      [2, 2],
    ],
  );
  assert.deepEqual([modern[1].kind, modern[1].weightOffset, modern[1].biasOffset], ['relu', -1, -1]);
});

test('initParams: deterministic for a seed, bounds respected, biases and masked weights zero', () => {
  const plan = planModel(getModel('lenet5'));
  const draw = (seed: number) => {
    const params = new Float32Array(plan.paramSize);
    initParams(plan, params, new Rng(seed));
    return params;
  };
  const a = draw(7);
  assert.deepEqual(a, draw(7));
  assert.notDeepEqual(a, draw(8));
  const heBound: Record<string, number> = {
    conv1: Math.sqrt(6 / 25),
    conv2: Math.sqrt(6 / 150),
    fc1: Math.sqrt(6 / 400),
    fc2: Math.sqrt(6 / 120),
    fc3: Math.sqrt(6 / 84),
  };
  for (const tensor of plan.layers.flatMap((l) => l.params)) {
    const values = a.subarray(tensor.offset, tensor.offset + tensor.size);
    if (tensor.role === 'bias')
      assert.ok(
        values.every((v) => v === 0),
        tensor.name,
      );
    else {
      const bound = heBound[tensor.name.split('.')[0]];
      const largest = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(largest <= bound && largest > bound * 0.9, `${tensor.name}: max |w| ${largest} vs bound ${bound}`);
    }
  }
  assert.throws(() => initParams(plan, new Float32Array(10), new Rng(1)), /needs 61706/);

  const classic = planModel(getModel('lenet5-classic'));
  const params = new Float32Array(classic.paramSize);
  initParams(classic, params, new Rng(1));
  const c3 = byName(classic, 'c3');
  const weights = params.subarray(c3.params[0].offset, c3.params[0].offset + c3.params[0].size);
  const mask = c3.weightMask!;
  for (let oc = 0; oc < 16; oc++) {
    const block = weights.subarray(oc * 150, (oc + 1) * 150);
    const maskBlock = mask.subarray(oc * 150, (oc + 1) * 150);
    const fanIn = maskBlock.reduce((s, m) => s + m, 0);
    assert.equal(fanIn, oc < 6 ? 75 : oc < 15 ? 100 : 150);
    block.forEach((w, i) => {
      if (maskBlock[i] === 0) assert.equal(w, 0, 'masked weights are exactly 0');
      else assert.ok(Math.abs(w) <= 2.4 / fanIn && w !== 0);
    });
  }
  const s2 = byName(classic, 's2');
  assert.deepEqual([...params.subarray(s2.params[0].offset, s2.params[0].offset + 6)], [1, 1, 1, 1, 1, 1]);
  assert.ok(params.subarray(s2.params[1].offset, s2.params[1].offset + 6).every((v) => v === 0));
});

test('a connection table may only read input maps that exist', () => {
  const model = userModel([2, 6, 6], 8, [{ type: 'conv2d', filters: 2, kernel: 5, connections: [[0], [1, 2]] }]);
  assert.throws(
    () => planModel(model),
    /layer 0 \(conv1\): "connections" of filter 1 reads input map 2, but the input has 2 maps/,
  );
});
