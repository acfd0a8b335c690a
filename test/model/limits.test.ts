// Every size a model declares is checked against src/model/limits.ts before anything is built:
// huge fields, huge or deeply nested layer lists and over-large parameter counts are refused
// quickly, with the limit named, whether they come from a model file, a checkpoint or an option.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelFromJson, planModel } from '../../src/model/plan';
import { MODEL_LIMITS } from '../../src/model/limits';
import { checkTrainingMemory } from '../../src/train/runtime';
import { writeSafetensors } from '../../src/model/checkpoint';
import { getModel } from '../../src/model/zoo';
import { runCli, tempDir } from '../cli/run-cli';

const model = (layers: unknown[], extra: Record<string, unknown> = {}) => ({
  input: [1, 28, 28],
  classes: 10,
  layers,
  ...extra,
});

/** Plans the model from JSON, expecting a refusal matching `pattern` within `ms`. */
function refused(raw: unknown, pattern: RegExp, ms = 2000): void {
  const started = Date.now();
  assert.throws(() => planModel(modelFromJson(raw, 'net.json')), pattern);
  assert.ok(Date.now() - started < ms, `took ${Date.now() - started} ms`);
}

test('a huge field is refused by its limit, naming the layer, the field and the value', () => {
  refused(
    model([
      { type: 'conv2d', filters: 1e9, kernel: 3 },
      { type: 'dense', units: 10 },
    ]),
    /net\.json: layer 0 \(conv1\): "filters" is 1000000000, above the limit of 65536 filters per conv2d layer/,
  );
  refused(
    model([
      { type: 'dense', units: 1e8 },
      { type: 'dense', units: 10 },
    ]),
    /"units" is 100000000, above the limit of 1048576 units/,
  );
  refused(
    model([
      { type: 'conv2d', filters: 4, kernel: 3, pad: 100000 },
      { type: 'dense', units: 10 },
    ]),
    /"pad" is 100000, above the limit of 1024/,
  );
  refused(
    model([
      { type: 'conv2d', filters: 4, kernel: [3, 100000] },
      { type: 'dense', units: 10 },
    ]),
    /"kernel" is 100000, above the limit of 8192/,
  );
  refused(
    model([
      { type: 'maxpool', size: 2, stride: 1e6 },
      { type: 'dense', units: 10 },
    ]),
    /"stride" is 1000000, above/,
  );
  refused(
    model([{ type: 'dense', units: 10 }], { input: [1, 28, 100000] }),
    /"input": a side is 100000, above the limit of 8192/,
  );
  refused(
    model([{ type: 'dense', units: 10 }], { classes: 2 ** 30 }),
    /"classes" is 1073741824, above the limit of 1048576 classes/,
  );
});

test('a model with 200,000 layers or 5,000-deep residual nesting is refused by the count and depth limits, not a stack overflow', () => {
  const many = Array.from({ length: 200000 }, () => ({ type: 'relu' }));
  refused(
    model([{ type: 'flatten' }, ...many, { type: 'dense', units: 10 }]),
    /net\.json: the layer count is \d+, above the limit of 10000 layers/,
  );
  // Built as text: JSON.stringify itself would overflow the stack on it.
  const depth = 5000;
  const nested = '{"type":"residual","body":['.repeat(depth) + '{"type":"relu"}' + ']}'.repeat(depth);
  const raw = JSON.parse(`{"input":[1,4,4],"classes":16,"layers":[${nested},{"type":"flatten"}]}`);
  refused(raw, /net\.json: the residual nesting depth is 65, above the limit of 64 levels/);
  // At the limit itself, nesting still plans.
  let block: unknown = { type: 'relu' };
  for (let i = 0; i < MODEL_LIMITS.nesting; i++) block = { type: 'residual', body: [block] };
  assert.equal(
    planModel(modelFromJson({ input: [1, 4, 4], classes: 16, layers: [block, { type: 'flatten' }] }, 'ok.json'))
      .classes,
    16,
  );
});

test('parameters above CNN_MAX_PARAMS are refused at the layer that crosses it, and the variable raises the limit', () => {
  const raw = model([
    { type: 'dense', units: 1000 },
    { type: 'dense', units: 10 },
  ]);
  const saved = process.env.CNN_MAX_PARAMS;
  try {
    process.env.CNN_MAX_PARAMS = '100000';
    assert.throws(
      () => planModel(modelFromJson(raw, 'net.json')),
      /layer 0 \(fc1\): the model up to this layer needs 785,000 parameters, above the limit of 100,000 parameters; .*set CNN_MAX_PARAMS to raise the limit/,
    );
    process.env.CNN_MAX_PARAMS = '1000000';
    assert.equal(planModel(modelFromJson(raw, 'net.json')).paramSize, 795010);
  } finally {
    if (saved === undefined) delete process.env.CNN_MAX_PARAMS;
    else process.env.CNN_MAX_PARAMS = saved;
  }
});

test('training memory at the batch size above CNN_MAX_MEMORY_MB is refused before the runtime allocates', () => {
  const plan = planModel(getModel('lenet5'));
  const saved = process.env.CNN_MAX_MEMORY_MB;
  try {
    process.env.CNN_MAX_MEMORY_MB = '10';
    assert.throws(
      () => checkTrainingMemory(plan, 4096),
      /model lenet5: training memory at a batch of 4096 needs [\d,]+ MiB, above the limit of 10 MiB; .*CNN_MAX_MEMORY_MB/,
    );
    checkTrainingMemory(plan, 8);
  } finally {
    if (saved === undefined) delete process.env.CNN_MAX_MEMORY_MB;
    else process.env.CNN_MAX_MEMORY_MB = saved;
  }
});

test('cnn summary refuses "filters": 1e9 in seconds and in little memory; eval refuses the same layer inside a checkpoint', () => {
  const dir = tempDir('cnn-limits-');
  try {
    const file = path.join(dir, 'huge.json');
    const huge = model(
      [
        { type: 'conv2d', filters: 1e9, kernel: 3 },
        { type: 'dense', units: 10 },
      ],
      { name: 'huge' },
    );
    fs.writeFileSync(file, JSON.stringify(huge));
    const started = Date.now();
    // A heap of 128 MB: planning must not even try to build per-filter structures.
    const summary = runCli(['summary', file], { env: { NODE_OPTIONS: '--max-old-space-size=128' } });
    assert.ok(Date.now() - started < 10000, `took ${Date.now() - started} ms`);
    assert.equal(summary.status, 1, summary.stderr);
    assert.match(
      summary.stderr,
      /^cnn: error: .*huge\.json: layer 0 \(conv1\): "filters" is 1000000000, above the limit of 65536/,
    );

    const ckpt = path.join(dir, 'huge.safetensors');
    const dataset = { name: 'mnist', mean: [0.1], std: [0.3], classNames: ['0'] };
    writeSafetensors(ckpt, [], {
      model: JSON.stringify({ ...huge, description: 'x' }),
      dataset: JSON.stringify(dataset),
    });
    const evaluated = runCli(['eval', ckpt], { env: { NODE_OPTIONS: '--max-old-space-size=128' } });
    assert.equal(evaluated.status, 1, evaluated.stderr);
    assert.match(
      evaluated.stderr,
      /^cnn: error: .*huge\.safetensors: .*"filters" is 1000000000, above the limit of 65536/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('options that size allocations are bounded: --classes, --scale', () => {
  const classes = runCli(['summary', 'lenet5', '--classes', '1e9']);
  assert.equal(classes.status, 2);
  assert.match(classes.stderr, /--classes .* It must be at most 1048576 \(the class limit\)/);
  const scale = runCli(['viz', 'filters', 'missing.safetensors', '--out', 'x.png', '--scale', '1e9']);
  assert.equal(scale.status, 2);
  assert.match(scale.stderr, /--scale .* It must be at most 256/);
});
