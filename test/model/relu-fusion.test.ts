// Training fuses a batchnorm, add or conv2d with the relu that is its only consumer, and a
// batchnorm with the add after it and that add's relu (native/net/fusion.cpp). Fusion must change no number: training steps with it and without it
// (the network option fuseRelu: false) give bitwise the same losses, gradients,
// parameters and running statistics, at 1 and 2 threads, on a net that has every case:
// batchnorm -> relu, add -> relu, an add of a layer to itself -> relu (its two input
// gradients are one buffer), a batchnorm read by two layers (not fused), a fused pair whose
// input gradient accumulates, and a dead relu branch. Sizes reach the parallel paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative, type Precision, type SgdSettings } from '../../src/native';
import { build, initParams, planTiny, randomData, type TinyNet } from './tiny-nets';

const addon = loadNative();
const SGD: SgdSettings = { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 };

function fusionNet(): TinyNet {
  return planTiny(
    [4, 16, 16],
    [
      { kind: 'conv2d', filters: 8, k: 3, p: 1 }, // 0: [8,16,16], read by 1 and 4: its gradient accumulates
      { kind: 'batchnorm' }, // 1: fused with 2
      { kind: 'relu' }, // 2
      { kind: 'conv2d', filters: 8, k: 3, p: 1 }, // 3
      { kind: 'batchnorm', from: 0 }, // 4: fused with 5, input gradient accumulates
      { kind: 'relu' }, // 5
      { kind: 'add', from: [3, 5] }, // 6: fused with 7
      { kind: 'relu' }, // 7
      { kind: 'batchnorm' }, // 8: read by 9 and 10, not fused
      { kind: 'relu' }, // 9
      { kind: 'add', from: [8, 9] }, // 10
      { kind: 'add', from: [10, 10] }, // 11: a layer added to itself, fused with 12
      { kind: 'relu' }, // 12
      { kind: 'relu', from: 11 }, // 13: dead branch (11 has two consumers: 12 is not fused)
      { kind: 'maxpool', k: 4, from: 12 }, // 14: [8,4,4]
      { kind: 'flatten' }, // 15
      { kind: 'dense', units: 5 }, // 16
    ],
  );
}

// Fused pairs: 1-2, 4-5, 6-7 and 8-9. Planes of 15x15 = 225 values: the kernels' scalar tails
// (225 = 14 * 16 + 1) must recompute the ReLU's mask as the vector loops do.
function fusionNetNoDeadBranch(): TinyNet {
  return planTiny(
    [4, 15, 15],
    [
      { kind: 'conv2d', filters: 8, k: 3, p: 1 },
      { kind: 'batchnorm' },
      { kind: 'relu' },
      { kind: 'conv2d', filters: 8, k: 3, p: 1 },
      { kind: 'batchnorm', from: 0 },
      { kind: 'relu' },
      { kind: 'add', from: [3, 5] },
      { kind: 'relu' },
      { kind: 'add', from: [7, 7] }, // 8: a layer added to itself, fused with 9
      { kind: 'relu' }, // 9
      { kind: 'maxpool', k: 5 }, // 10: [8,3,3], windows cover the whole 15x15 (the tail too)
      { kind: 'flatten' },
      { kind: 'dense', units: 5 },
    ],
  );
}

// Convolutions fused with their relu on every convolution path: direct (8 filters), implicit
// GEMM (40 filters; 12 with stride 2), im2col (1x1 stride 2) and the pointwise in-place GEMM;
// a fused pair whose input gradient accumulates (layer 3 feeds three convolutions).
function convFusionNet(): TinyNet {
  return planTiny(
    [4, 12, 12],
    [
      { kind: 'conv2d', filters: 8, k: 3, p: 1 }, // 0: direct
      { kind: 'relu' }, // 1
      { kind: 'conv2d', filters: 40, k: 3, p: 1 }, // 2: implicit GEMM
      { kind: 'relu' }, // 3: read by 4, 6 and 8
      { kind: 'conv2d', filters: 12, k: 1 }, // 4: pointwise
      { kind: 'relu' }, // 5
      { kind: 'conv2d', filters: 12, k: 1, s: 2, from: 3 }, // 6: im2col, [12,6,6]
      { kind: 'relu' }, // 7
      { kind: 'conv2d', filters: 12, k: 3, s: 2, p: 1, from: 3 }, // 8: implicit GEMM, stride 2
      { kind: 'relu' }, // 9
      { kind: 'maxpool', k: 2, from: 5 }, // 10: [12,6,6]
      { kind: 'add', from: [7, 9] }, // 11
      { kind: 'add', from: [11, 10] }, // 12
      { kind: 'flatten' },
      { kind: 'dense', units: 5 },
    ],
  );
}

// Residual blocks: a batchnorm fused with the add after it and the add's relu (layers 4-6
// and 10-12), once with the shortcut first, once with it last (a downsampling block's, whose
// batchnorm comes after the body's); the add's other input gradient written afresh (8) and
// added to another's (2, also read by 13, whose backward runs first); an add whose layer
// before it has a second reader (14: not fused, its relu is). Planes of 15x15 first: the
// kernels' scalar tails.
function residualNet(): TinyNet {
  return planTiny(
    [4, 15, 15],
    [
      { kind: 'conv2d', filters: 8, k: 3, p: 1 }, // 0
      { kind: 'batchnorm' }, // 1: fused with 2
      { kind: 'relu' }, // 2: read by 3, 5 and 13
      { kind: 'conv2d', filters: 8, k: 3, p: 1 }, // 3
      { kind: 'batchnorm' }, // 4: fused with 5 and 6
      { kind: 'add', from: [4, 2] }, // 5
      { kind: 'relu' }, // 6
      { kind: 'conv2d', filters: 16, k: 3, s: 2, p: 1 }, // 7: [16,8,8]
      { kind: 'batchnorm' }, // 8
      { kind: 'conv2d', filters: 16, k: 1, s: 2, from: 6 }, // 9
      { kind: 'batchnorm' }, // 10: fused with 11 and 12
      { kind: 'add', from: [8, 10] }, // 11
      { kind: 'relu' }, // 12
      { kind: 'conv2d', filters: 16, k: 3, s: 2, p: 1, from: 2 }, // 13
      { kind: 'batchnorm' }, // 14: read by 15 and 17
      { kind: 'add', from: [12, 14] }, // 15: fused with 16 only
      { kind: 'relu' }, // 16
      { kind: 'add', from: [16, 14] }, // 17
      { kind: 'flatten' },
      { kind: 'dense', units: 5 },
    ],
  );
}

// Planes of 32x32 and of 8x8 outputs: the implicit GEMM writes y itself, one image at a time
// or several whose planes are whole panels, the bias first and the ReLU on each finished
// tile (in fp32 and in bf16).
function wideConvNet(): TinyNet {
  return planTiny(
    [4, 32, 32],
    [
      { kind: 'conv2d', filters: 40, k: 3, p: 1 }, // 0: implicit GEMM, one image per product
      { kind: 'relu' }, // 1
      { kind: 'maxpool', k: 4 }, // 2: [40,8,8]
      { kind: 'conv2d', filters: 40, k: 3, p: 1 }, // 3: implicit GEMM, images grouped
      { kind: 'relu' }, // 4
      { kind: 'flatten' },
      { kind: 'dense', units: 5 },
    ],
  );
}

async function train(tiny: TinyNet, threads: number, fuse: boolean, precision: Precision = 'fp32') {
  const n = 64;
  const b = build(addon, tiny, initParams(tiny, 5), n, threads, { fuseRelu: fuse, precision });
  b.net.setProfiling(true);
  const losses: number[] = [];
  const gradients: Float32Array[] = [];
  for (let step = 0; step < 3; step++) {
    const { x, labels } = randomData(tiny, n, 40 + step);
    losses.push((await b.net.computeGradients(x, labels, n)).loss);
    gradients.push(b.grads.slice());
    await b.net.trainStep(x, labels, n, SGD);
  }
  const profile = b.net.profile();
  b.net.setProfiling(false);
  // Evaluation runs unfused: every layer's output is there to inspect.
  const { x, labels } = randomData(tiny, n, 99);
  const evalLoss = (await b.net.evaluate(x, labels, n, new Float32Array(n * tiny.classes))).loss;
  const outputs = tiny.layers.map((l, i) => {
    const out = new Float32Array(n * l.outShape[0] * l.outShape[1] * l.outShape[2]);
    b.net.layerOutput(i, n, out);
    return out;
  });
  return { losses, gradients, params: b.params, evalLoss, outputs, profile };
}

const cases = [
  { name: 'with a dead branch and an unfused batchnorm', net: fusionNet, fusedRelus: [2, 5, 7] },
  { name: 'with an add of a layer to itself, odd plane size', net: fusionNetNoDeadBranch, fusedRelus: [2, 5, 7, 9] },
  { name: 'convolutions on every path', net: convFusionNet, fusedRelus: [1, 3, 5, 7, 9] },
  { name: 'convolutions over 32x32 and 8x8 planes', net: wideConvNet, fusedRelus: [1, 4] },
  {
    name: 'convolutions over 32x32 and 8x8 planes, bf16',
    net: wideConvNet,
    fusedRelus: [1, 4],
    precision: 'bf16' as const,
  },
  { name: 'residual blocks, batchnorm + add + relu', net: residualNet, fusedRelus: [2, 6, 12, 16], fusedAdds: [5, 11] },
];

for (const { name, net, fusedRelus, precision, fusedAdds = [] } of cases as {
  name: string;
  net: () => TinyNet;
  fusedRelus: number[];
  precision?: Precision;
  fusedAdds?: number[];
}[]) {
  for (const threads of [1, 2]) {
    test(`relu fusion (${name}, ${threads} thread${threads > 1 ? 's' : ''}): training is bitwise the same as unfused`, async () => {
      const tiny = net();
      const fused = await train(tiny, threads, true, precision),
        plain = await train(tiny, threads, false, precision);
      assert.deepEqual(fused.losses, plain.losses, 'losses');
      fused.gradients.forEach((g, k) => assert.deepEqual(g, plain.gradients[k], `gradients of step ${k}`));
      assert.deepEqual(fused.params, plain.params, 'parameters and running statistics after 3 steps');
      assert.equal(fused.evalLoss, plain.evalLoss);
      fused.outputs.forEach((o, i) => assert.deepEqual(o, plain.outputs[i], `layerOutput(${i}) after evaluate`));
      assert.ok(
        fused.gradients[0].some((v) => v !== 0),
        'gradients flow',
      );
      // The fused relus did no work of their own (the profile books it on their producer).
      tiny.layers.forEach((l, i) => {
        if (l.kind !== 'relu') return;
        const t = fused.profile.layers[i],
          u = plain.profile.layers[i];
        const isFused = fusedRelus.includes(i);
        assert.equal(t.forwardMs === 0 && t.backwardMs === 0, isFused, `layer ${i} (relu) fused: ${isFused}`);
        assert.equal(
          t.fusedInto,
          isFused ? fused.profile.layers[i - 1].name : undefined,
          `layer ${i} (relu) names the layer it is fused into (the one before it)`,
        );
        assert.equal(u.fusedInto, undefined);
        assert.ok(u.forwardMs > 0, `layer ${i} (relu) runs on its own without fusion`);
      });
      // Fused adds likewise, on the layer before them.
      tiny.layers.forEach((l, i) => {
        if (l.kind !== 'add') return;
        const t = fused.profile.layers[i];
        const isFused = fusedAdds.includes(i);
        assert.equal(t.forwardMs === 0 && t.backwardMs === 0, isFused, `layer ${i} (add) fused: ${isFused}`);
        assert.equal(t.fusedInto, isFused ? fused.profile.layers[i - 1].name : undefined, `layer ${i} (add)`);
      });
    });
  }
}
