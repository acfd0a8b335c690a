// A network built with precision 'bf16': its convolutions and dense layers round their GEMM
// operands to bfloat16 (the kernels are tested in test/ops/conv-dense-bf16.test.ts), the rest
// stays fp32. Here: what the network reports, gradients within bfloat16's tolerance of fp32's
// (and not equal to them: the rounding happens), training that follows fp32's loss, and runs
// that repeat bitwise for a given thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative, type Precision } from '../../src/native';
import { build, initParams, randomData, residualNet, smallConvNet, type TinyNet } from './tiny-nets';

const addon = loadNative();
const sgd = { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 };

test('layerAlgorithms: bf16 convolutions run im2col, the implicit GEMM or the direct kernels; dense layers say bf16, the others nothing', () => {
  const tiny = smallConvNet();
  const fp32 = build(addon, tiny, initParams(tiny, 1), 4, 1).net.layerAlgorithms();
  const bf16 = build(addon, tiny, initParams(tiny, 1), 4, 1, { precision: 'bf16' }).net.layerAlgorithms();
  tiny.layers.forEach((l, i) => {
    if (l.kind === 'conv2d')
      assert.match(
        bf16[i],
        /^(im2col|implicit|direct)\/(im2col|implicit|direct)\/(im2col|implicit|direct) bf16$/,
        `layer ${i}`,
      );
    else if (l.kind === 'dense') assert.equal(bf16[i], 'bf16', `layer ${i}`);
    else assert.equal(bf16[i], fp32[i], `layer ${i}`);
  });
  assert.ok(!fp32.some((a) => a.includes('bf16')));
  assert.ok(
    bf16.some((a) => a.startsWith('direct/')),
    `a 3x3 convolution runs the direct kernels forward: ${bf16.join(', ')}`,
  );
  assert.ok(
    bf16.some((a) => a.endsWith('/implicit bf16')),
    `a stride-1 convolution's backward-weights runs the implicit GEMM: ${bf16.join(', ')}`,
  );
});

test('precision: an unknown name is a TypeError naming the choices', () => {
  const tiny = smallConvNet();
  assert.throws(() => build(addon, tiny, initParams(tiny, 1), 4, 1, { precision: 'fp16' as Precision }), {
    name: 'TypeError',
    message: /precision must be one of fp32, bf16/,
  });
});

async function gradients(tiny: TinyNet, precision: Precision, threads: number): Promise<Float32Array> {
  const n = 6;
  const b = build(addon, tiny, initParams(tiny, 7), n, threads, { precision });
  const { x, labels } = randomData(tiny, n, 8);
  await b.net.computeGradients(x, labels, n, 1);
  return b.grads.slice();
}

test('gradients in bf16 are within bfloat16 tolerance of fp32 (residual and plain nets), and not equal to them', async () => {
  for (const [name, tiny] of [
    ['residual net (batchnorm, add)', residualNet(0)],
    ['conv net', smallConvNet()],
  ] as const) {
    const fp32 = await gradients(tiny, 'fp32', 1);
    const bf16 = await gradients(tiny, 'bf16', 1);
    let norm = 0,
      error = 0,
      differing = 0;
    for (let i = 0; i < fp32.length; i++) {
      norm += fp32[i] ** 2;
      error += (bf16[i] - fp32[i]) ** 2;
      if (bf16[i] !== fp32[i]) differing++;
    }
    // Each operand is within 2^-8 of itself; sums of terms that cancel and a few layers of
    // it leave a few percent of the gradient's norm (fp32 arithmetic would leave about 1e-6).
    const relative = Math.sqrt(error / norm);
    assert.ok(norm > 0, name);
    assert.ok(relative <= 0.03, `${name}: gradient differs from fp32's by ${relative} of its norm`);
    assert.ok(relative >= 1e-4, `${name}: gradient differs from fp32's by only ${relative} of its norm`);
    assert.ok(differing > fp32.length / 2, `${name}: only ${differing} of ${fp32.length} gradients changed`);
  }
});

test('fp32 given explicitly is the default, bitwise', async () => {
  const tiny = residualNet(0);
  const n = 6;
  const implicit = build(addon, tiny, initParams(tiny, 7), n, 1);
  const explicit = build(addon, tiny, initParams(tiny, 7), n, 1, { precision: 'fp32' });
  const { x, labels } = randomData(tiny, n, 8);
  await implicit.net.computeGradients(x, labels, n, 1);
  await explicit.net.computeGradients(x, labels, n, 1);
  assert.deepEqual(explicit.grads, implicit.grads);
});

async function train(precision: Precision, threads: number, steps: number) {
  const tiny = smallConvNet(4);
  const n = 16;
  const b = build(addon, tiny, initParams(tiny, 3), n, threads, { precision });
  const { x, labels } = randomData(tiny, n, 4);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push((await b.net.trainStep(x, labels, n, sgd)).loss);
  return { losses, params: b.params.slice() };
}

test('training in bf16 follows the fp32 loss and learns a small batch', async () => {
  const fp32 = await train('fp32', 1, 25);
  const bf16 = await train('bf16', 1, 25);
  assert.ok(bf16.losses[24] < 0.25 * bf16.losses[0], `bf16 loss ${bf16.losses[0]} -> ${bf16.losses[24]}`);
  for (let s = 0; s < 25; s++)
    assert.ok(
      Math.abs(bf16.losses[s] - fp32.losses[s]) <= 0.05 * fp32.losses[0],
      `step ${s}: bf16 loss ${bf16.losses[s]}, fp32 ${fp32.losses[s]}`,
    );
});

test('bf16 training repeats bitwise for a given thread count', async () => {
  for (const threads of [1, 2]) {
    const a = await train('bf16', threads, 4);
    const b = await train('bf16', threads, 4);
    assert.deepEqual(b.params, a.params, `${threads} threads`);
    assert.deepEqual(b.losses, a.losses, `${threads} threads`);
  }
});
