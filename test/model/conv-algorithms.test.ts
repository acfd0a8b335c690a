// Each convolution's algorithms are chosen once, when the network is built, from the
// convAlgorithm setting (native/kernels/conv2d_algorithm.cpp has the rule), and recorded:
// layerAlgorithms() and the profile report them. Every setting trains to the same numbers
// within float tolerance (the algorithms sum in different orders).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative, type ConvAlgorithmSetting } from '../../src/native';
import { build, initParams, planTiny, randomData, type TinyNet } from './tiny-nets';

const addon = loadNative();

// conv0: 4 -> 8 channels 3x3 (direct under auto); conv2: 8 -> 200 channels (past the shapes
// the direct rule covers: implicit forward, im2col backward under auto); conv4: 1x1 stride 2
// (im2col under auto; no implicit backward-data for stride 2).
function net(): TinyNet {
  return planTiny(
    [4, 12, 12],
    [
      { kind: 'conv2d', filters: 8, k: 3, p: 1 },
      { kind: 'relu' },
      { kind: 'conv2d', filters: 200, k: 3, p: 1 },
      { kind: 'relu' },
      { kind: 'conv2d', filters: 8, k: 1, s: 2 },
      { kind: 'flatten' },
      { kind: 'dense', units: 5 },
    ],
  );
}

function algorithms(setting?: ConvAlgorithmSetting): string[] {
  const tiny = net();
  return build(addon, tiny, initParams(tiny, 1), 4, 1, setting ? { convAlgorithm: setting } : {}).net.layerAlgorithms();
}

test('layerAlgorithms: per layer, by the rule of the setting; "" for kinds with no choice', () => {
  assert.deepEqual(algorithms(), [
    'direct/direct/direct',
    '',
    'implicit/im2col/im2col',
    '',
    'im2col/im2col/im2col',
    '',
    '',
  ]);
  assert.deepEqual(algorithms('auto'), algorithms());
  assert.deepEqual(algorithms('gemm'), [
    'im2col/im2col/im2col',
    '',
    'im2col/im2col/im2col',
    '',
    'im2col/im2col/im2col',
    '',
    '',
  ]);
  assert.deepEqual(algorithms('implicit'), [
    'implicit/implicit/im2col',
    '',
    'implicit/implicit/im2col',
    '',
    'implicit/im2col/im2col',
    '',
    '',
  ]);
  assert.deepEqual(algorithms('direct'), [
    'direct/direct/direct',
    '',
    'direct/direct/direct',
    '',
    'direct/im2col/direct',
    '',
    '',
  ]);
});

test('convAlgorithm: an unknown name is a TypeError naming the choices', () => {
  const tiny = net();
  assert.throws(
    () => build(addon, tiny, initParams(tiny, 1), 4, 1, { convAlgorithm: 'winograd' as ConvAlgorithmSetting }),
    { name: 'TypeError', message: /convAlgorithm must be one of auto, gemm, implicit, direct/ },
  );
});

test('every setting trains to the same parameters within float tolerance, and the profile names the algorithm', async () => {
  const n = 6;
  const results: Float32Array[] = [];
  for (const setting of ['auto', 'gemm', 'implicit', 'direct'] as ConvAlgorithmSetting[]) {
    const tiny = net();
    const b = build(addon, tiny, initParams(tiny, 3), n, 2, { convAlgorithm: setting });
    b.net.setProfiling(true);
    for (let step = 0; step < 3; step++) {
      const { x, labels } = randomData(tiny, n, 10 + step);
      await b.net.trainStep(x, labels, n, { lr: 0.05, momentum: 0.9, weightDecay: 0 });
    }
    const profiled = b.net.profile().layers.map((l) => l.algorithm ?? '');
    assert.deepEqual(profiled, b.net.layerAlgorithms(), `${setting}: the profile shows the built choice`);
    results.push(b.params);
  }
  for (let k = 1; k < results.length; k++)
    for (let i = 0; i < results[0].length; i++)
      assert.ok(
        Math.abs(results[k][i] - results[0][i]) <= 1e-4 * (1 + Math.abs(results[0][i])),
        `setting ${k}, parameter ${i}`,
      );
});

test('bf16: backward-data takes the implicit GEMM from 16 input channels even where OC > C; fp32 keeps im2col there', () => {
  // 80 -> 200 channels, 3x3 over 8x8 (past the fp32 rule's direct kernels): fp32 runs implicit
  // backward-data only where C >= OC; bf16 where C >= 16, and backward-weights implicit too
  // (fp32 has no such path).
  const algorithmsAt = (precision: 'fp32' | 'bf16') => {
    const tiny = planTiny(
      [80, 8, 8],
      [{ kind: 'conv2d', filters: 200, k: 3, p: 1 }, { kind: 'flatten' }, { kind: 'dense', units: 5 }],
    );
    return build(addon, tiny, initParams(tiny, 1), 4, 1, { precision }).net.layerAlgorithms()[0];
  };
  assert.equal(algorithmsAt('fp32'), 'implicit/im2col/im2col');
  assert.equal(algorithmsAt('bf16'), 'implicit/implicit/implicit bf16');
});

test('bf16: a first layer of 3 channels (27 taps) takes the implicit GEMM forward, fp32 does not; 1x1 stays im2col', () => {
  const algorithmsAt = (precision: 'fp32' | 'bf16', k: number, filters: number) => {
    const tiny = planTiny(
      [3, 8, 8],
      [{ kind: 'conv2d', filters, k, p: (k - 1) / 2 }, { kind: 'flatten' }, { kind: 'dense', units: 5 }],
    );
    return build(addon, tiny, initParams(tiny, 1), 4, 1, { precision }).net.layerAlgorithms()[0];
  };
  // 200 filters: past the fp32 rule's direct kernels, so fp32 shows its GEMM choice (im2col below 32 taps).
  assert.equal(algorithmsAt('fp32', 3, 200), 'im2col/im2col/im2col');
  assert.equal(algorithmsAt('bf16', 3, 200), 'implicit/im2col/implicit bf16');
  assert.equal(algorithmsAt('bf16', 1, 200), 'im2col/im2col/im2col bf16');
});

test('bf16: backward-weights of 3x3 filters takes the direct kernels over rows of 8 or more at any channel count', () => {
  const algorithmsAt = (channels: number, size: number) => {
    const tiny = planTiny(
      [channels, size, size],
      [{ kind: 'conv2d', filters: 32, k: 3, p: 1 }, { kind: 'flatten' }, { kind: 'dense', units: 5 }],
    );
    return build(addon, tiny, initParams(tiny, 1), 4, 1, { precision: 'bf16' }).net.layerAlgorithms()[0];
  };
  // A first layer of 1 or 3 channels: direct forward and backward-weights, im2col backward-data.
  assert.equal(algorithmsAt(3, 8), 'direct/im2col/direct bf16');
  assert.equal(algorithmsAt(1, 16), 'direct/im2col/direct bf16');
  // Rows of 4: the implicit GEMM.
  assert.equal(algorithmsAt(16, 4), 'direct/direct/implicit bf16');
});
