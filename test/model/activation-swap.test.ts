// --activation: every activation of a model, residual blocks included, becomes the chosen one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { swapActivations } from '../../src/model/activation-swap';
import { planModel } from '../../src/model/plan';
import { resolveModel } from '../../src/cli/resolve';

const typesOf = (name: string, model = resolveModel(name)) => planModel(model).layers.map((l) => l.type);
const ACTS = ['relu', 'tanh', 'sigmoid', 'scaled-tanh'];

test('lenet5 and resnet20 with sigmoid: every activation swapped, parameters untouched', () => {
  for (const name of ['lenet5', 'resnet20', 'lenet5-classic']) {
    const before = typesOf(name);
    const { model, swapped } = swapActivations(resolveModel(name), 'sigmoid');
    const plan = planModel(model);
    const after = plan.layers.map((l) => l.type);
    assert.equal(after.length, before.length);
    const count = before.filter((t) => ACTS.includes(t)).length;
    assert.ok(count > 0 && swapped > 0);
    after.forEach((t, i) => assert.equal(t, ACTS.includes(before[i]) ? 'sigmoid' : before[i], `${name} layer ${i}`));
    assert.equal(plan.totals.params, planModel(resolveModel(name)).totals.params);
  }
});

test('a residual block without an activation keeps none', () => {
  const model = {
    name: 'r',
    description: '',
    input: [1, 4, 4] as [number, number, number],
    classes: 2,
    layers: [
      {
        type: 'residual' as const,
        body: [{ type: 'conv2d' as const, filters: 1, kernel: 3, pad: 1 }],
        activation: null,
      },
      { type: 'dense' as const, units: 2 },
    ],
  };
  const { swapped, model: out } = swapActivations(model, 'tanh');
  assert.equal(swapped, 0);
  assert.ok(!planModel(out).layers.some((l) => ACTS.includes(l.type)));
});
