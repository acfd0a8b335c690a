// ONNX export checked against onnxruntime-node: the exported model's probabilities must match
// cnn's own forward pass on 100 MNIST test images (max abs difference under 1e-4) for the
// small zoo models and for a model with every layer kind and awkward settings (an even LRN
// window, padded pools, dense before conv and batch norm, a projection shortcut). Batch norm's
// running statistics are randomised so their mapping is really tested. Big zoo models are
// checked for a well-formed graph without running them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import { buildOnnxModel, encodeOnnxModel, ONNX_IR_VERSION, ONNX_OPSET } from '../../src/export/onnx-model';
import { initParams } from '../../src/model/init';
import { modelFromJson, planModel } from '../../src/model/plan';
import type { Plan } from '../../src/model/types';
import { getModel, listModels } from '../../src/model/zoo';
import { Rng } from '../../src/train/rng';
import {
  compareExport,
  ONNXRUNTIME_MISSING,
  randomImages,
  randomiseBatchNorm,
  sharpenOutputs,
  testImages,
} from './onnx-compare';

const IMAGES = 100;
const TOLERANCE = 1e-4;

function initialised(plan: Plan, seed: number): Float32Array {
  const params = new Float32Array(plan.paramSize);
  initParams(plan, params, new Rng(seed));
  randomiseBatchNorm(plan, params, seed + 1);
  return params;
}

async function checkZooModel(name: string, seed: number): Promise<void> {
  const plan = planModel(getModel(name));
  const params = initialised(plan, seed);
  const x = testImages(plan, IMAGES);
  await sharpenOutputs(plan, params, x, IMAGES);
  const r = await compareExport(plan, params, x, IMAGES);
  console.log(
    `# ${name}: max abs difference ${r.maxAbsDiff.toExponential(2)} over ${IMAGES} images, mean top probability ${r.meanTop.toFixed(3)}, ${r.bytes} bytes`,
  );
  assert.ok(r.maxAbsDiff < TOLERANCE, `${name}: max abs difference ${r.maxAbsDiff} between cnn and onnxruntime`);
  assert.ok(
    r.meanTop > 0.3,
    `${name}: the outputs are too flat (mean top ${r.meanTop}) for the comparison to mean anything`,
  );
}

for (const [name, seed] of [
  ['lenet5', 1],
  ['lenet5-classic', 2],
  ['mlp', 3],
  ['alexnet-lite', 4],
  ['vgg-small', 5],
  ['resnet20', 6],
] as const) {
  test(`${name} exported to ONNX gives cnn's probabilities in onnxruntime`, { skip: ONNXRUNTIME_MISSING }, () =>
    checkZooModel(name, seed),
  );
}

/** Every layer kind, each in a setting where a loose mapping would show. */
const EVERY_KIND = {
  name: 'every-kind',
  input: [1, 28, 28],
  classes: 10,
  layers: [
    { type: 'conv2d', filters: 6, kernel: [5, 3], stride: [1, 2], pad: [2, 1] },
    { type: 'batchnorm', eps: 1e-3 },
    { type: 'scaled-tanh' },
    { type: 'lrn', size: 4, alpha: 0.3, beta: 0.6, k: 1.5 },
    { type: 'subsample', size: 2 },
    {
      type: 'conv2d',
      filters: 8,
      kernel: 3,
      connections: [[0, 1], [1, 2, 3], [2, 3, 4, 5], [0, 5], [0, 1, 2, 3, 4, 5], [3], [4, 5], [1, 4]],
    },
    { type: 'lrn', size: 3, alpha: 0.5, beta: 0.75, k: 1 },
    { type: 'leaky-relu', negativeSlope: 0.2 },
    { type: 'avgpool', size: 3, stride: 2, pad: 1 },
    { type: 'sigmoid' },
    {
      type: 'residual',
      body: [
        { type: 'conv2d', filters: 8, kernel: 3, pad: 1 },
        { type: 'batchnorm' },
        { type: 'tanh' },
        { type: 'conv2d', filters: 8, kernel: 3, pad: 1 },
      ],
    },
    {
      type: 'residual',
      body: [{ type: 'conv2d', filters: 12, kernel: 3, stride: 2, pad: 1, bias: false }, { type: 'batchnorm' }],
      activation: 'relu',
    },
    { type: 'maxpool', size: 3, stride: 2, pad: 1 },
    { type: 'gelu' },
    { type: 'dropout', p: 0.3 },
    { type: 'flatten' },
    { type: 'dense', units: 24 },
    { type: 'batchnorm' },
    { type: 'relu' },
    { type: 'conv2d', filters: 16, kernel: 1 },
    { type: 'lrn', size: 2, alpha: 0.2, beta: 0.75, k: 2 },
    { type: 'gap' },
    { type: 'dense', units: 10, bias: false },
  ],
};

test(
  'a model with every layer kind exports exactly, even LRN window and dense-before-conv included',
  { skip: ONNXRUNTIME_MISSING },
  async () => {
    const plan = planModel(modelFromJson(structuredClone(EVERY_KIND), 'every-kind.json'));
    const params = initialised(plan, 11);
    const x = testImages(plan, IMAGES);
    await sharpenOutputs(plan, params, x, IMAGES);
    const r = await compareExport(plan, params, x, IMAGES);
    console.log(
      `# every-kind: max abs difference ${r.maxAbsDiff.toExponential(2)}, mean top probability ${r.meanTop.toFixed(3)}`,
    );
    assert.ok(r.maxAbsDiff < TOLERANCE, `max abs difference ${r.maxAbsDiff}`);
    assert.ok(r.meanTop > 0.3, `outputs too flat: ${r.meanTop}`);
  },
);

test('the exported model is opset 13 with a dynamic batch', () => {
  const plan = planModel(getModel('lenet5'));
  const params = initialised(plan, 21);
  const bytes = encodeOnnxModel(
    buildOnnxModel(plan, params, {
      producerVersion: 'test',
      dataset: {
        name: 'mnist',
        mean: [0.1307],
        std: [0.3081],
        classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      },
    }),
  );
  const model = onnx.ModelProto.decode(bytes);
  assert.equal(Number(model.irVersion), ONNX_IR_VERSION);
  assert.deepEqual(
    model.opsetImport.map((o) => [o.domain, Number(o.version)]),
    [['', ONNX_OPSET]],
  );
  const graph = model.graph as onnx.GraphProto;
  const dims = (v: onnx.IValueInfoProto) =>
    v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  assert.deepEqual(dims(graph.input[0]), ['N', 1, 28, 28]);
  assert.deepEqual(dims(graph.output[0]), ['N', 10]);
  assert.equal(graph.node[graph.node.length - 1].opType, 'Softmax');
  const props = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
  assert.equal(props['cnn.model'], 'lenet5');
  assert.deepEqual(JSON.parse(props['cnn.mean']), [0.1307]);
  // Initializers carry the PyTorch names of the checkpoint's tensors.
  assert.ok(graph.initializer.some((t) => t.name === 'conv1.weight'));
});

test('the exported model runs any batch size in onnxruntime', { skip: ONNXRUNTIME_MISSING }, async () => {
  const plan = planModel(getModel('lenet5'));
  const params = initialised(plan, 21);
  for (const n of [1, 7]) {
    const r = await compareExport(plan, params, randomImages(plan, n, n), n);
    assert.ok(r.maxAbsDiff < TOLERANCE, `batch of ${n}: ${r.maxAbsDiff}`);
  }
});

test('every zoo model builds a well-formed ONNX graph', () => {
  for (const spec of listModels()) {
    const plan = planModel(spec);
    // Zeros are enough for the structure; the data is only viewed, never copied (masks aside).
    const model = buildOnnxModel(plan, new Float32Array(plan.paramSize), { producerVersion: 'test' });
    const graph = model.graph!;
    const defined = new Set<string>([...graph.input!.map((v) => v.name!), ...graph.initializer!.map((t) => t.name!)]);
    for (const node of graph.node!) {
      for (const input of node.input!)
        assert.ok(defined.has(input), `${spec.name}: node ${node.name} reads ${input} before it is defined`);
      for (const output of node.output!) {
        assert.ok(!defined.has(output), `${spec.name}: ${output} is defined twice`);
        defined.add(output);
      }
    }
    assert.ok(defined.has(graph.output![0].name!), `${spec.name}: the output is never computed`);
    const floats = graph
      .initializer!.filter((t) => t.dataType === onnx.TensorProto.DataType.FLOAT && t.dims!.length > 0)
      .reduce((sum, t) => sum + t.dims!.reduce((a, b) => a * Number(b), 1), 0);
    assert.equal(floats, plan.paramSize, `${spec.name}: every parameter (and only those) becomes an initializer`);
  }
});
