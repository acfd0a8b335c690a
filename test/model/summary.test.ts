// The `summary` table and its JSON form: the numbers a user reads must be the plan's.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { planModel, modelFromJson } from '../../src/model/plan';
import { formatSummary, summaryJson } from '../../src/model/summary';
import { getModel } from '../../src/model/zoo';

/** The table row of a layer, split into its cells. */
const rowOf = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no row for ${name}`);
  return line.trim().split(/\s{2,}/);
};

test('lenet5 summary: one row per layer, counts with thousands separators, totals', () => {
  const plan = planModel(getModel('lenet5'));
  const text = formatSummary(plan, { batchSize: 64 });
  assert.doesNotMatch(text, /\x1b\[/, 'no colours');
  assert.match(text, /^Model: lenet5 \(input 1x28x28, 10 classes\)/);
  assert.deepEqual(rowOf(text, 'conv1'), ['conv1', 'conv2d 5x5 p2', '6x28x28', '156', '122,304', '4,704', '5x5']);
  assert.deepEqual(rowOf(text, 'conv2'), ['conv2', 'conv2d 5x5', '16x10x10', '2,416', '241,600', '1,600', '14x14']);
  assert.deepEqual(rowOf(text, 'pool1'), ['pool1', 'maxpool 2x2', '6x14x14', '0', '0', '1,176', '6x6']);
  assert.deepEqual(rowOf(text, 'fc1'), ['fc1', 'dense', '120x1x1', '48,120', '48,120', '120', '28x28']);
  assert.deepEqual(rowOf(text, 'fc3').slice(0, 5), ['fc3', 'dense', '10x1x1', '850', '850']);
  for (const layer of plan.layers) rowOf(text, layer.name);
  assert.match(text, /Total params:\s+61,706\n/);
  assert.match(text, /Connections \(multiply-adds per image\):\s+423,038/);
  assert.match(text, /Activations per image \(incl\. input\):\s+15,386/);
  assert.match(text, /Forward memory per image \(float32\):\s+61,544 bytes \(0\.06 MiB\)/);
  // 64 x (15,386 activations + 14,602 gradients) x 4 bytes + 3 x 61,706 x 4 bytes
  assert.match(text, /Training memory at batch 64:\s+8,417,400 bytes \(8\.03 MiB\)/);
  // Numbers are right-aligned: every params cell ends where the "Params" title ends.
  const header = text.split('\n').find((l) => l.startsWith('Layer'))!;
  const paramsEnd = header.indexOf('Params') + 'Params'.length;
  for (const layer of plan.layers) {
    const line = text.split('\n').find((l) => l.startsWith(`${layer.name} `))!;
    assert.ok(
      line.slice(0, paramsEnd).endsWith(` ${rowOf(text, layer.name)[3]}`),
      `${layer.name} params right-aligned`,
    );
  }
});

test('lenet5-classic summary shows the 1998 counts, the partial table and the masked weights', () => {
  const text = formatSummary(planModel(getModel('lenet5-classic')), { batchSize: 32 });
  const expected: [string, string, string][] = [
    ['c1', '156', '122,304'],
    ['s2', '12', '5,880'],
    ['c3', '1,516', '151,600'],
    ['s4', '32', '2,000'],
    ['c5', '48,120', '48,120'],
    ['f6', '10,164', '10,164'],
  ];
  for (const [name, params, connections] of expected)
    assert.deepEqual(rowOf(text, name).slice(3, 5), [params, connections], name);
  assert.match(rowOf(text, 'c3').join(' '), /partial: 60 of 96 map pairs connected/);
  assert.match(text, /Total params:\s+60,850 \(61,750 stored; masked weights stay 0\)/);
  assert.match(text, /Connections \(multiply-adds per image\):\s+340,918/);
  assert.deepEqual(rowOf(text, 'c5')[6], '32x32');
});

test('the summary notes input rows and columns no window reaches', () => {
  const model = modelFromJson(
    { input: [1, 7, 7], classes: 4, layers: [{ type: 'conv2d', filters: 1, kernel: 3, stride: 3 }] },
    'lecture.json',
  );
  const text = formatSummary(planModel(model), { batchSize: 1 });
  assert.deepEqual(rowOf(text, 'conv1'), [
    'conv1',
    'conv2d 3x3 s3',
    '1x2x2',
    '10',
    '40',
    '4',
    '3x3',
    '1 row/col of input unused',
  ]);
  const uneven = modelFromJson({ input: [1, 8, 7], classes: 4, layers: [{ type: 'maxpool', size: 3 }] }, 'uneven.json');
  assert.match(formatSummary(planModel(uneven), { batchSize: 1 }), /2 rows, 1 col of input unused/);
});

test('summaryJson: the same numbers as data', () => {
  const plan = planModel(getModel('lenet5'));
  const json = summaryJson(plan, { batchSize: 64 });
  assert.equal(json.model, 'lenet5');
  assert.deepEqual(json.input, [1, 28, 28]);
  assert.equal(json.classes, 10);
  assert.equal(json.layers.length, 11);
  assert.deepEqual(json.layers[0], {
    name: 'conv1',
    type: 'conv2d',
    output: [6, 28, 28],
    params: 156,
    connections: 122304,
    activations: 4704,
    receptiveField: [5, 5],
  });
  assert.deepEqual(json.layers[10], {
    name: 'fc3',
    type: 'dense',
    output: [10, 1, 1],
    params: 850,
    connections: 850,
    activations: 10,
    receptiveField: [28, 28],
  });
  assert.deepEqual(json.totals, {
    params: 61706,
    paramSize: 61706,
    connections: 423038,
    activations: 15386,
    memory: { forwardBytesPerImage: 61544, trainingBytes: 64 * (15386 + 15386 - 784) * 4 + 3 * 61706 * 4 },
  });
  // Plain data: it survives JSON unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
});
