// Which layers --freeze names, and how --from's tensors land in a new model: by name, shapes
// checked, the head drawn afresh with --reinit-head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planModel } from '../../src/model/plan';
import { resolveModel } from '../../src/cli/resolve';
import { headLayer, resolveFrozen, transferWeights } from '../../src/train/transfer';
import type { LoadedCheckpoint } from '../../src/train/training-checkpoint';
import type { Plan } from '../../src/model/types';

function checkpointOf(plan: Plan, fill: (i: number) => number): LoadedCheckpoint {
  const params = Float32Array.from({ length: plan.paramSize }, (_, i) => fill(i));
  return {
    file: 'src.safetensors',
    model: plan.model,
    plan,
    params,
    velocity: null,
    secondMoment: null,
    dataset: { name: 'mnist', mean: [0], std: [1], classNames: [] },
    settings: null,
    position: null,
    metadata: {},
  };
}

test('--freeze resolves layer names, dotted prefixes and all-but-head', () => {
  const lenet = planModel(resolveModel('lenet5'));
  assert.deepEqual(resolveFrozen(lenet, ['conv2', 'conv1']), ['conv1', 'conv2']);
  assert.deepEqual(resolveFrozen(lenet, ['all-but-head']), ['conv1', 'conv2', 'fc1', 'fc2']);
  assert.throws(() => resolveFrozen(lenet, ['pool1']), /layer pool1 \(maxpool\) has no parameters to freeze/);
  const resnet = planModel(resolveModel('resnet20'));
  const stage1 = resolveFrozen(resnet, ['layer1']);
  assert.ok(stage1.length >= 6 && stage1.every((n) => n.startsWith('layer1.')), stage1.join(','));
  assert.ok(stage1.some((n) => resnet.layers.find((l) => l.name === n)!.type === 'batchnorm'));
  const allButHead = resolveFrozen(resnet, ['all-but-head']);
  assert.equal(allButHead.length, resnet.layers.filter((l) => l.params.length > 0).length - 1);
  assert.ok(!allButHead.includes(headLayer(resnet).name));
  assert.throws(() => resolveFrozen(resnet, ['layer9']), /no layer or block named "layer9"/);
});

test('transferWeights copies by name, refuses shape mismatches, and leaves a reinitialised head alone', () => {
  const source = checkpointOf(planModel(resolveModel('lenet5')), (i) => i + 0.5);
  const five = planModel(resolveModel('lenet5'), { classes: 5 });
  const params = new Float32Array(five.paramSize).fill(-1);
  assert.throws(
    () => transferWeights(five, params, source, false),
    /tensor "fc3.weight" has shape \[10, 84\] in the checkpoint but model lenet5 needs \[5, 84\]; add --reinit-head/,
  );
  const report = transferWeights(five, params, source, true);
  assert.deepEqual(report.fresh, ['fc3.weight', 'fc3.bias']);
  assert.equal(report.copied, 8);
  for (const layer of five.layers) {
    for (const t of layer.params) {
      const got = params.subarray(t.offset, t.offset + t.size);
      if (layer.name === 'fc3')
        assert.ok(
          got.every((v) => v === -1),
          'the head was overwritten',
        );
      else {
        const from = source.plan.layers.find((l) => l.name === layer.name)!.params.find((p) => p.name === t.name)!;
        assert.deepEqual(got, source.params.subarray(from.offset, from.offset + from.size), t.name);
      }
    }
  }
  const mlp = planModel(resolveModel('mlp'));
  assert.throws(
    () => transferWeights(mlp, new Float32Array(mlp.paramSize), source, true),
    /tensor "fc1.weight" has shape \[120, 400\] in the checkpoint but model mlp needs \[256, 784\]/,
  );
});
