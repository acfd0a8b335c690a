// The leaky-relu and gelu layer kinds (native/layers/leaky_relu.cpp, gelu.cpp; src/layers/
// leaky-relu.ts, activation.ts): forward values against PyTorch's formulas, whole-network
// gradients against finite differences (the activations' derivatives reach the conv and
// dense weights before them), the slope's default and the planner's parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative } from '../../src/native';
import { modelFromJson, planModel } from '../../src/model/plan';
import { toNativeLayers } from '../../src/model/native-layers';
import { assertGradientsMatchFiniteDifferences } from './gradient-check';
import { build, planTiny, type TinyLayer } from './tiny-nets';

const addon = loadNative();

// erf to double precision (Abramowitz and Stegun 7.1.26 is too coarse here): the series
// for small |x|, the continued fraction of erfc for large.
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax,
      sum = ax;
    for (let k = 1; k < 60; k++) {
      term *= (-ax * ax) / k;
      sum += term / (2 * k + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

// The layer alone on a row of inputs from -6 to 6: its outputs through layerOutput.
async function outputs(layer: TinyLayer): Promise<{ x: Float32Array; y: Float32Array }> {
  const count = 49;
  const tiny = planTiny([1, 1, count], [layer]);
  const { net } = build(addon, tiny, new Float32Array(0), 1);
  const x = Float32Array.from({ length: count }, (_, i) => -6 + (12 * i) / (count - 1));
  await net.forward(x, 1, new Float32Array(count));
  const y = new Float32Array(count);
  net.layerOutput(0, 1, y);
  return { x, y };
}

test('leaky-relu: x above 0, negativeSlope * x below; the slope defaults to 0.01', async () => {
  for (const [negativeSlope, slope] of [
    [undefined, 0.01],
    [0.2, 0.2],
    [-0.5, -0.5],
  ] as const) {
    const { x, y } = await outputs({ kind: 'leaky-relu', ...(negativeSlope !== undefined ? { negativeSlope } : {}) });
    x.forEach((v, i) => assert.equal(y[i], v > 0 ? v : Math.fround(Math.fround(slope) * v), `slope ${slope}, x ${v}`));
  }
});

test('gelu: x * Phi(x) in its exact erf form, as PyTorch computes it', async () => {
  const { x, y } = await outputs({ kind: 'gelu' });
  x.forEach((v, i) => {
    const want = 0.5 * v * (1 + erf(v / Math.SQRT2));
    assert.ok(Math.abs(y[i] - want) <= 2e-7 + 2e-6 * Math.abs(want), `gelu(${v}) = ${y[i]}, expected ${want}`);
  });
});

test('gradients through leaky-relu and gelu match central finite differences', async () => {
  await assertGradientsMatchFiniteDifferences(
    addon,
    planTiny(
      [2, 8, 8],
      [
        { kind: 'conv2d', filters: 3, k: 3, p: 1 },
        { kind: 'leaky-relu', negativeSlope: 0.1 },
        { kind: 'conv2d', filters: 4, k: 3, s: 2, p: 1 },
        { kind: 'gelu' },
        { kind: 'add', from: [3, 3] }, // gelu's output read twice: its gradient accumulates
        { kind: 'flatten' },
        { kind: 'dense', units: 6 },
        { kind: 'leaky-relu' },
        { kind: 'dense', units: 5 },
      ],
    ),
  );
});

test('the planner parses leaky-relu and gelu and describes them to the addon', () => {
  const plan = planModel(
    modelFromJson(
      {
        name: 'act',
        input: [1, 8, 8],
        classes: 4,
        layers: [
          { type: 'conv2d', filters: 2, kernel: 3 },
          { type: 'leaky-relu', negativeSlope: 0.3 },
          { type: 'gelu' },
          { type: 'leaky-relu' },
          { type: 'flatten' },
          { type: 'dense', units: 4 },
        ],
      },
      'act.json',
    ),
  );
  const native = toNativeLayers(plan);
  assert.deepEqual(
    native.slice(1, 4).map((l) => [l.name, l.kind, l.negativeSlope]),
    [
      ['leaky_relu1', 'leaky-relu', 0.3],
      ['gelu1', 'gelu', undefined],
      ['leaky_relu2', 'leaky-relu', 0.01],
    ],
  );
  assert.throws(
    () =>
      modelFromJson(
        { name: 'bad', input: [1, 8, 8], classes: 4, layers: [{ type: 'leaky-relu', negativeSlope: 'x' }] },
        'bad.json',
      ),
    /"negativeSlope" must be a number, got "x"/,
  );
  assert.throws(
    () =>
      new addon.Network({
        input: [1, 1, 4],
        classes: 4,
        params: new Float32Array(0),
        grads: new Float32Array(0),
        velocity: new Float32Array(0),
        maxBatch: 1,
        threads: 1,
        layers: [
          {
            kind: 'leaky-relu',
            name: 'l',
            inputs: [-1],
            inShape: [1, 1, 4],
            outShape: [1, 1, 4],
            weightOffset: -1,
            weightSize: 0,
            biasOffset: -1,
            biasSize: 0,
            negativeSlope: NaN,
          },
        ],
      }),
    /layers\[0\] \('l'\)\.negativeSlope must be finite/,
  );
});
